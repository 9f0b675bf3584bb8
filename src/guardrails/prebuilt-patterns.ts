/**
 * The prebuilt patterns of the content filter (`pattern_type: prebuilt`), by LiteLLM's names.
 * Each is matched case-insensitively, as LiteLLM compiles them, and is written here from what it
 * must match: a value of that kind as people write it, on word boundaries where the value has
 * them. Each runs in time linear in the text: prompts are the client's, and a pattern that
 * backtracks on a crafted text would hold the event loop (test: content-filter.test.ts).
 */

const CARD_VISA = String.raw`\b4\d{3}[\s-]?\d{4}[\s-]?\d{4}[\s-]?\d{4}\b`;
const CARD_MASTERCARD = String.raw`\b5[1-5]\d{2}[\s-]?\d{4}[\s-]?\d{4}[\s-]?\d{4}\b`;
const CARD_AMEX = String.raw`\b3[47]\d{2}[\s-]?\d{6}[\s-]?\d{5}\b`;
const CARD_DISCOVER = String.raw`\b6(?:011|5\d{2})[\s-]?\d{4}[\s-]?\d{4}[\s-]?\d{4}\b`;
const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;

export const PREBUILT_PATTERNS: Readonly<Record<string, string>> = {
  /** 123-45-6789 */
  us_ssn: String.raw`\b\d{3}-\d{2}-\d{4}\b`,
  /** 123456789, without the area, group and serial numbers never issued. */
  us_ssn_no_dash: String.raw`\b(?!000|666|9\d\d)\d{3}(?!00)\d{2}(?!0000)\d{4}\b`,
  /**
   * Starts only where a run of address characters starts, and bounded as addresses are (64 before
   * the `@`, 255 after): a long run of them with no `@` costs one pass, not one per position.
   */
  email: String.raw`(?<![a-z0-9._%+-])[a-z0-9._%+-]{1,64}@[a-z0-9.-]{1,255}\.[a-z]{2,24}\b`,
  /** (555) 123-4567, 555.123.4567, +1 555 123 4567 */
  us_phone: String.raw`(?:\+?\b1[\s.-]?)?(?:\(\d{3}\)|\b\d{3})[\s.-]?\d{3}[\s.-]?\d{4}\b`,
  street_address: String.raw`\b\d{1,6}\s+(?:[a-z0-9.'-]+\s+){1,4}(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|way|court|ct|place|pl|circle|cir)\b\.?`,
  passport_us: String.raw`\b(?:[a-z]\d{8}|\d{9})\b`,
  visa: CARD_VISA,
  mastercard: CARD_MASTERCARD,
  amex: CARD_AMEX,
  discover: CARD_DISCOVER,
  credit_card: [CARD_VISA, CARD_MASTERCARD, CARD_AMEX, CARD_DISCOVER].join('|'),
  iban: String.raw`\b[a-z]{2}\d{2}[a-z0-9]{11,30}\b`,
  aws_access_key: String.raw`\bAKIA[0-9A-Z]{16}\b`,
  aws_secret_key: String.raw`(?<![A-Za-z0-9/+=])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])`,
  github_token: String.raw`\bgh[ps]_[a-z0-9]{36}\b`,
  slack_token: String.raw`\bxox[pboa]-\d+-\d+(?:-\d+)?-[a-z0-9]{24,32}\b`,
  generic_api_key: String.raw`\bapi[_\s-]?key\b["']?\s*[:=]\s*["']?[a-z0-9_\-]{20,}`,
  ipv4: String.raw`\b${OCTET}(?:\.${OCTET}){3}\b`,
  url: String.raw`\b(?:https?://|www\.)[^\s<>"']+`,
  br_cpf: String.raw`\b\d{3}\.\d{3}\.\d{3}[-/]\d{2}\b`,
  br_cnpj: String.raw`\b\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}\b`,
  br_cep: String.raw`\b\d{5}-?\d{3}\b`,
  fr_phone: String.raw`(?:\+33|\b0033|\b0)\s?[1-9](?:[\s.-]?\d{2}){4}\b`,
  au_abn: String.raw`\b\d{2}\s?\d{3}\s?\d{3}\s?\d{3}\b`,
};

/** Older LiteLLM docs' names for the same patterns. */
export const PREBUILT_ALIASES: Readonly<Record<string, string>> = { phone: 'us_phone' };

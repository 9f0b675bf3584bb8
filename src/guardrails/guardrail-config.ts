/**
 * The top-level `guardrails` list of a LiteLLM config, checked and compiled at start. A mistake
 * that would leave a guardrail doing less than the operator wrote (an unknown prebuilt pattern, a
 * regex that does not compile, a missing words file, two guardrails of one name) refuses the
 * start, naming the path; a guardrail of a kind Tollgate does not run is a warning, and a request
 * that asks for it is refused (guardrails.ts).
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BlockedWordSchema, type GuardrailEntry } from '../config/schema.js';
import {
  ContentFilter,
  regexFromPython,
  type FilterPattern,
  type FilterWord,
  type TextChecker,
} from './content-filter.js';
import { PREBUILT_ALIASES, PREBUILT_PATTERNS } from './prebuilt-patterns.js';
import { PresidioChecker, presidioBase } from './presidio.js';
import { BedrockGuardrailChecker } from './bedrock-guardrail.js';

export const GUARDRAIL_MODES = ['pre_call', 'during_call', 'post_call'] as const;
export type GuardrailMode = (typeof GUARDRAIL_MODES)[number];

/** The guardrail kinds Tollgate runs (`litellm_params.guardrail`). */
export const SUPPORTED_GUARDRAILS = ['litellm_content_filter', 'presidio', 'bedrock'] as const;

/** A configured guardrail, ready to run (or known and not runnable: `filter` unset). */
export interface GuardrailDefinition {
  name: string;
  /** `litellm_params.guardrail`. */
  kind: string;
  modes: ReadonlySet<GuardrailMode>;
  defaultOn: boolean;
  /** What checks a text: the content filter, or a service's client; unset for a kind not run. */
  filter?: TextChecker;
  /** As configured, for `/guardrails/list`. */
  params: Readonly<Record<string, unknown>>;
  info: Readonly<Record<string, unknown>> | null;
}

const FEATURES_NOT_RUN = ['categories', 'image_model', 'competitor_intent_config'] as const;

/** Checks and compiles `guardrails`; problems refuse the start, warnings are logged. */
/** Where the config is read from: its folder (relative paths) and the environment. */
export interface GuardrailContext {
  baseDir: string;
  env: Readonly<Record<string, string | undefined>>;
}

export function buildGuardrails(
  entries: readonly GuardrailEntry[],
  context: GuardrailContext,
  problems: string[],
  warnings: string[],
): GuardrailDefinition[] {
  const { baseDir } = context;
  const seen = new Map<string, number>();
  const built: GuardrailDefinition[] = [];
  entries.forEach((entry, index) => {
    const where = `guardrails[${index}]`;
    const name = entry.guardrail_name;
    const first = seen.get(name);
    if (first !== undefined) {
      problems.push(`${where}.guardrail_name: "${name}" is already used by guardrails[${first}]`);
      return;
    }
    seen.set(name, index);
    const params = entry.litellm_params;
    const modes = modesOf(params.mode, `${where}.litellm_params.mode`, problems, warnings);
    const definition: GuardrailDefinition = {
      name,
      kind: params.guardrail,
      modes,
      defaultOn: params.default_on === true,
      params,
      info: entry.guardrail_info ?? null,
    };
    if (params.guardrail === 'bedrock') {
      definition.filter = bedrockChecker(entry, where, context, { problems, warnings });
      built.push(definition);
      return;
    }
    if (params.guardrail === 'presidio') {
      definition.filter = presidioChecker(entry, where, context, { problems });
      built.push(definition);
      return;
    }
    if (params.guardrail !== 'litellm_content_filter') {
      warnings.push(
        `${where}.litellm_params.guardrail: "${params.guardrail}" is not a guardrail Tollgate runs (it runs ${SUPPORTED_GUARDRAILS.join(', ')}); requests that ask for "${name}" are refused${definition.defaultOn ? ', and as default_on it does NOT check any request' : ''}`,
      );
      built.push(definition);
      return;
    }
    for (const feature of FEATURES_NOT_RUN) {
      if ((params as Record<string, unknown>)[feature] !== undefined) {
        warnings.push(`${where}.litellm_params.${feature}: not supported by Tollgate yet; ignored`);
      }
    }
    const patterns = (params.patterns ?? []).flatMap((p, i): FilterPattern[] => {
      const at = `${where}.litellm_params.patterns[${i}]`;
      if (p.pattern_type === 'prebuilt') {
        const asked = p.pattern_name;
        if (asked === undefined) {
          problems.push(`${at}.pattern_name: required for a prebuilt pattern`);
          return [];
        }
        const known = PREBUILT_ALIASES[asked] ?? asked;
        const source = PREBUILT_PATTERNS[known];
        if (source === undefined) {
          problems.push(
            `${at}.pattern_name: unknown prebuilt pattern "${asked}" (known: ${Object.keys(PREBUILT_PATTERNS).join(', ')})`,
          );
          return [];
        }
        return [{ name: asked, source, action: p.action }];
      }
      if (p.pattern === undefined) {
        problems.push(`${at}.pattern: required for a regex pattern`);
        return [];
      }
      try {
        return [
          { name: p.name ?? 'custom_regex', source: regexFromPython(p.pattern), action: p.action },
        ];
      } catch (error: unknown) {
        problems.push(
          `${at}.pattern: not a valid regular expression (${(error as Error).message})`,
        );
        return [];
      }
    });
    const words: FilterWord[] = [...(params.blocked_words ?? [])];
    const file = params.blocked_words_file;
    if (file) {
      const at = `${where}.litellm_params.blocked_words_file`;
      words.push(
        ...wordsFromFile(isAbsolute(file) ? file : join(baseDir, file), at, problems, warnings),
      );
    }
    try {
      definition.filter = new ContentFilter({
        patterns,
        words,
        patternRedactionFormat: params.pattern_redaction_format,
        keywordRedactionTag: params.keyword_redaction_tag,
      });
    } catch (error: unknown) {
      problems.push(`${where}: ${(error as Error).message}`);
    }
    built.push(definition);
  });
  return built;
}

/** `guardrail: presidio`: where Presidio is, what it looks for and what each entity does. */
function presidioChecker(
  entry: GuardrailEntry,
  where: string,
  { baseDir, env }: GuardrailContext,
  { problems }: { problems: string[] },
): PresidioChecker | undefined {
  const params = entry.litellm_params;
  const at = `${where}.litellm_params`;
  const bases = (['analyzer', 'anonymizer'] as const).map((service) => {
    const field = `presidio_${service}_api_base` as const;
    const variable = `PRESIDIO_${service.toUpperCase()}_API_BASE`;
    const value = params[field] ?? (env[variable] || undefined);
    if (value === undefined) problems.push(`${at}.${field}: required (or set ${variable})`);
    return value === undefined ? undefined : presidioBase(value);
  });
  let adHocRecognizers: unknown[] | undefined;
  const file = params.presidio_ad_hoc_recognizers;
  if (file) {
    const path = isAbsolute(file) ? file : join(baseDir, file);
    try {
      const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
      adHocRecognizers = Array.isArray(parsed) ? parsed : [parsed];
    } catch (error: unknown) {
      problems.push(
        `${at}.presidio_ad_hoc_recognizers: cannot read ${path} as JSON (${(error as Error).message})`,
      );
    }
  }
  const [analyzerBase, anonymizerBase] = bases;
  if (analyzerBase === undefined || anonymizerBase === undefined) return undefined;
  return new PresidioChecker({
    name: entry.guardrail_name,
    analyzerBase,
    anonymizerBase,
    entities: params.pii_entities_config ?? {},
    thresholds: params.presidio_score_thresholds ?? {},
    denyList: params.presidio_entities_deny_list ?? [],
    language: params.presidio_language ?? 'en',
    adHocRecognizers,
    failOpen: params.unreachable_fallback === 'fail_open',
    outputParsePii: params.output_parse_pii === true,
  });
}

/** AWS settings Tollgate does not use for a guardrail yet: only keys (or AWS_* variables) sign. */
const AWS_NOT_YET = ['aws_role_name', 'aws_profile_name', 'aws_web_identity_token'] as const;

/** `guardrail: bedrock`: which guardrail, where, and the keys that sign its requests. */
function bedrockChecker(
  entry: GuardrailEntry,
  where: string,
  { env }: GuardrailContext,
  { problems, warnings }: { problems: string[]; warnings: string[] },
): BedrockGuardrailChecker | undefined {
  const params = entry.litellm_params;
  const at = `${where}.litellm_params`;
  const identifier = params.guardrailIdentifier;
  const version = params.guardrailVersion;
  if (!identifier)
    problems.push(`${at}.guardrailIdentifier: required (the Bedrock guardrail's id or ARN)`);
  if (version === undefined || version === null) {
    problems.push(`${at}.guardrailVersion: required (a version number, or DRAFT)`);
  }
  for (const field of AWS_NOT_YET) {
    if ((params as Record<string, unknown>)[field] !== undefined) {
      warnings.push(`${at}.${field}: not supported for guardrails by Tollgate yet; ignored`);
    }
  }
  if ((params as Record<string, unknown>).disable_exception_on_block !== undefined) {
    warnings.push(
      `${at}.disable_exception_on_block: not supported by Tollgate yet; a block is a 400`,
    );
  }
  const accessKeyId = params.aws_access_key_id ?? (env.AWS_ACCESS_KEY_ID || undefined);
  const secretAccessKey = params.aws_secret_access_key ?? (env.AWS_SECRET_ACCESS_KEY || undefined);
  if (!accessKeyId || !secretAccessKey) {
    problems.push(
      `${at}: AWS keys are required to sign its requests (aws_access_key_id and aws_secret_access_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)`,
    );
  }
  // LiteLLM's order: the entry's region, else AWS_REGION over AWS_REGION_NAME, else us-west-2.
  const region = params.aws_region_name ?? (env.AWS_REGION || env.AWS_REGION_NAME || 'us-west-2');
  if (!/^[a-z0-9-]+$/.test(region))
    problems.push(`${at}.aws_region_name: "${region}" is not an AWS region`);
  if (
    !identifier ||
    version === undefined ||
    version === null ||
    !accessKeyId ||
    !secretAccessKey
  ) {
    return undefined;
  }
  return new BedrockGuardrailChecker({
    name: entry.guardrail_name,
    identifier,
    version: String(version),
    aws: {
      accessKeyId,
      secretAccessKey,
      sessionToken: params.aws_session_token ?? (env.AWS_SESSION_TOKEN || undefined),
      region,
    },
    endpoint:
      params.aws_bedrock_runtime_endpoint ?? (env.AWS_BEDROCK_RUNTIME_ENDPOINT || undefined),
  });
}

function modesOf(
  mode: string | string[] | undefined,
  where: string,
  problems: string[],
  warnings: string[],
): Set<GuardrailMode> {
  // The content filter's own default.
  if (mode === undefined) return new Set(['pre_call']);
  const modes = new Set<GuardrailMode>();
  for (const raw of Array.isArray(mode) ? mode : [mode]) {
    const value = raw.toLowerCase();
    if ((GUARDRAIL_MODES as readonly string[]).includes(value)) modes.add(value as GuardrailMode);
    else if (value === 'logging_only') {
      warnings.push(`${where}: logging_only is not supported by Tollgate yet; ignored`);
    } else {
      problems.push(
        `${where}: unknown mode "${raw}" (one of ${[...GUARDRAIL_MODES, 'logging_only'].join(', ')})`,
      );
    }
  }
  return modes;
}

/** The `blocked_words` of a YAML file (LiteLLM's format: a top-level `blocked_words` list). */
function wordsFromFile(
  path: string,
  where: string,
  problems: string[],
  warnings: string[],
): FilterWord[] {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, 'utf8'));
  } catch (error: unknown) {
    problems.push(`${where}: cannot read ${path} (${(error as Error).message})`);
    return [];
  }
  const list = (document as { blocked_words?: unknown } | null)?.blocked_words;
  if (!Array.isArray(list)) {
    problems.push(`${where}: ${path} has no top-level blocked_words list`);
    return [];
  }
  const words: FilterWord[] = [];
  list.forEach((item, i) => {
    const parsed = BlockedWordSchema.safeParse(item);
    if (parsed.success) words.push(parsed.data);
    else {
      const why = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      warnings.push(`${where}: ${path}: blocked_words[${i}] skipped (${why.join('; ')})`);
    }
  });
  return words;
}

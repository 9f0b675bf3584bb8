/**
 * Parsers for option values, as commander argument parsers: a bad value stops the command with
 * the option's name and what was expected.
 */
import { InvalidArgumentError } from 'commander';

export function parseMoney(value: string): number {
  const amount = Number(value);
  if (value.trim() === '' || !Number.isFinite(amount) || amount < 0) {
    throw new InvalidArgumentError('expected an amount in dollars, e.g. 50 or 12.5');
  }
  return amount;
}

export function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0) {
    throw new InvalidArgumentError('expected a whole number');
  }
  return count;
}

/** A model list as the script takes it (`'["a", "b"]'`) or comma-separated (`a,b`). */
export function parseModels(value: string): string[] {
  const text = value.trim();
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new InvalidArgumentError(`expected a JSON list of model names, e.g. '["gpt-4o"]'`);
    }
    if (!Array.isArray(parsed) || !parsed.every((m) => typeof m === 'string')) {
      throw new InvalidArgumentError('expected a JSON list of model names (strings)');
    }
    return parsed;
  }
  return text
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
}

export function parseJsonObject(value: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new InvalidArgumentError(`expected a JSON object, e.g. '{"env": "prod"}'`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidArgumentError('expected a JSON object');
  }
  return parsed as Record<string, unknown>;
}

/** `YYYY-MM-DD`, the date format of LiteLLM's spend routes. */
export function parseDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new InvalidArgumentError('expected a date as YYYY-MM-DD');
  }
  return value;
}

/** `KEY=VALUE` pairs collected into an object (repeatable option). */
export function collectPair(
  value: string,
  previous: Record<string, string> = {},
): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('expected NAME=VALUE');
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

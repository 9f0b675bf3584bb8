/**
 * Renders this repository's Helm charts for tests, because `helm` itself is not installable
 * here (no Debian package). It implements only the template subset the charts use — `.Values`,
 * `.Release`, `.Chart` fields; `if`/`else`/`end` with `not`; pipelines through `quote`, `b64enc`,
 * `nindent N`, `toYaml`, `required` — with Helm's whitespace trimming, and throws on anything
 * else, so a chart using more than this fails its test instead of rendering wrongly.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';

type Json = Record<string, unknown>;

export interface RenderOptions {
  releaseName: string;
  namespace: string;
  values?: Json;
}

/** The chart's templates rendered and parsed: every manifest, in file order. */
export function renderChart(chartDir: string, options: RenderOptions): Json[] {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Json;
  const defaults = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Json;
  const scope = {
    Values: deepMerge(defaults, options.values ?? {}),
    Release: { Name: options.releaseName, Namespace: options.namespace },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  const folder = join(chartDir, 'templates');
  return readdirSync(folder)
    .filter((f) => f.endsWith('.yaml') && !f.startsWith('_'))
    .sort()
    .flatMap((f) => {
      const text = renderTemplate(readFileSync(join(folder, f), 'utf8'), scope, f);
      return parseAllDocuments(text)
        .map((d) => {
          if (d.errors.length > 0)
            throw new Error(`${f}: rendered YAML is invalid: ${d.errors[0]!.message}`);
          return d.toJS() as Json | null;
        })
        .filter((d): d is Json => d !== null);
    });
}

export function renderTemplate(template: string, scope: Json, file = 'template'): string {
  // Helm's trimming: `{{-` eats the whitespace before, `-}}` the whitespace after.
  const text = template.replace(/\s*\{\{-\s/g, '{{ ').replace(/\s-\}\}\s*/g, ' }}');
  const parts = text.split(/\{\{\s*(.*?)\s*\}\}/s);
  let out = '';
  const stack: { active: boolean; taken: boolean }[] = [];
  const active = () => stack.every((s) => s.active);
  parts.forEach((part, index) => {
    if (index % 2 === 0) {
      if (active()) out += part;
      return;
    }
    if (part.startsWith('if ')) {
      const taken = active() && truthy(evaluate(part.slice(3), scope, file));
      stack.push({ active: taken, taken });
    } else if (part === 'else') {
      const top = stack.at(-1);
      if (!top) throw new Error(`${file}: else without if`);
      top.active = !top.taken;
    } else if (part === 'end') {
      if (!stack.pop()) throw new Error(`${file}: end without if`);
    } else if (active()) {
      out += String(evaluate(part, scope, file));
    }
  });
  if (stack.length > 0) throw new Error(`${file}: if without end`);
  return out;
}

function evaluate(pipeline: string, scope: Json, file: string): unknown {
  const [first, ...rest] = pipeline.split('|').map((s) => s.trim());
  let value = command(tokens(first!), scope, file);
  for (const stage of rest) {
    const [name, ...args] = tokens(stage);
    value = callFunction(name!, [...args.map((a) => operand(a, scope, file)), value], file);
  }
  return value;
}

function command(parts: string[], scope: Json, file: string): unknown {
  const [head, ...args] = parts;
  if (parts.length === 1) return operand(head!, scope, file);
  return callFunction(
    head!,
    args.map((a) => operand(a, scope, file)),
    file,
  );
}

function callFunction(name: string, args: unknown[], file: string): unknown {
  switch (name) {
    case 'quote':
      return JSON.stringify(String(args[0] ?? ''));
    case 'b64enc':
      return Buffer.from(String(args[0])).toString('base64');
    case 'nindent':
      return `\n${indent(String(args[1]).replace(/\n$/, ''), Number(args[0]))}`;
    case 'toYaml':
      return stringify(args[0]).replace(/\n$/, '');
    case 'not':
      return !truthy(args[0]);
    case 'required':
      if (!truthy(args[1])) throw new Error(`${file}: ${String(args[0])}`);
      return args[1];
    default:
      throw new Error(`${file}: the test renderer does not implement the function ${name}`);
  }
}

function operand(token: string, scope: Json, file: string): unknown {
  if (/^".*"$/.test(token)) return JSON.parse(token);
  if (/^\d+$/.test(token)) return Number(token);
  if (!token.startsWith('.'))
    throw new Error(`${file}: the test renderer does not understand ${token}`);
  return token
    .slice(1)
    .split('.')
    .reduce<unknown>((value, key) => (value as Json | undefined)?.[key], scope);
}

function tokens(text: string): string[] {
  return text.match(/"[^"]*"|\S+/g) ?? [];
}

function indent(text: string, spaces: number): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => (line === '' ? line : pad + line))
    .join('\n');
}

function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length > 0;
  return value !== undefined && value !== null && value !== false && value !== '' && value !== 0;
}

function deepMerge(base: Json, override: Json): Json {
  const result: Json = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = result[key];
    result[key] =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      typeof current === 'object' &&
      current !== null
        ? deepMerge(current as Json, value as Json)
        : value;
  }
  return result;
}

/**
 * fast-check arbitraries built from a route's zod schema: objects with the schema's own fields,
 * each filled with values of roughly the right type, mostly hostile ones (SQL probes, path
 * traversal, templates, huge and out-of-range numbers, NUL, lone surrogates), known ids of the
 * fixture for fields that name things, and now and then a value of the wrong type.
 */
import fc from 'fast-check';
import type { z } from 'zod';

/** Strings that have broken gateways before, and strings that should break nothing. */
export const HOSTILE_STRINGS = [
  "' OR '1'='1",
  "' OR (SELECT pg_sleep(8)) IS NOT NULL --",
  "'; DROP TABLE keys; --",
  '" OR 1=1 --',
  "1' UNION SELECT token, user_id FROM keys --",
  "x') OR sqlite_version() IS NOT NULL --",
  '../../../../etc/passwd',
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '..\\..\\windows\\win.ini',
  'a\u0000b',
  '\u0000',
  '{{7*7}}',
  '${7*7}',
  "{% print(open('/etc/passwd').read()) %}",
  '__import__("os").system("id")',
  '<script>alert(1)</script>',
  '\r\nX-Injected: 1',
  '\ud800',
  '🦄'.repeat(50),
  'x'.repeat(5000),
  '__proto__',
  'constructor',
  '/*',
  '*',
  'sk-',
  '',
  ' ',
  'null',
  '-1',
  '1e309',
  'http://169.254.169.254/latest/meta-data/',
  'http://127.0.0.1:1/v1',
];

export const HOSTILE_NUMBERS = [
  -1,
  0,
  0.5,
  1,
  2 ** 31,
  2 ** 53,
  -(2 ** 53),
  1e308,
  -1e308,
  Number.MIN_VALUE,
  1e-300,
];

export interface ValuePools {
  /** Ids and names the fixture knows, for fields that name something. */
  known: readonly string[];
  /**
   * Raw keys, only for fields that take a key: a key written into an alias or metadata would be
   * echoed back by design, which is not a leak.
   */
  keys: readonly string[];
  /** Model names, for `model` fields. */
  models: readonly string[];
}

const KEY_FIELD = /^(key|keys|api_key)$/;
const NAMING_FIELD = /(^|_)(id|ids|key|keys|alias|aliases|email|user|team|token|hash|member)$/;

export function hostileString(pools: ValuePools, field = ''): fc.Arbitrary<string> {
  const options: fc.Arbitrary<string>[] = [
    fc.constantFrom(...HOSTILE_STRINGS),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ maxLength: 20 }),
  ];
  if (pools.known.length > 0 && NAMING_FIELD.test(field)) {
    options.push(fc.constantFrom(...pools.known), fc.constantFrom(...pools.known));
  }
  if (pools.keys.length > 0 && KEY_FIELD.test(field)) {
    options.push(fc.constantFrom(...pools.keys), fc.constantFrom(...pools.keys));
  }
  if (field === 'model' || field === 'default_model') {
    options.push(fc.constantFrom(...pools.models), fc.constantFrom(...pools.models));
  }
  return fc.oneof(...options);
}

export function hostileNumber(): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constantFrom(...HOSTILE_NUMBERS),
    fc.integer({ min: -5, max: 1000 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  );
}

/** Any JSON value, kept small. */
export const anyJson = fc.jsonValue({ maxDepth: 3 });

interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string | number>;
  values?: unknown[];
  valueType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  left?: z.ZodType;
  right?: z.ZodType;
  items?: z.ZodType[];
  getter?: () => z.ZodType;
}

function defOf(schema: z.ZodType): ZodDef {
  return (schema as unknown as { _zod: { def: ZodDef } })._zod.def;
}

/**
 * A value for `schema`: mostly of its shape, sometimes any JSON at all. `field` is the name the
 * value sits under (it steers strings towards known ids or model names).
 */
export function arbitraryFor(
  schema: z.ZodType,
  pools: ValuePools,
  field = '',
  depth = 0,
): fc.Arbitrary<unknown> {
  const shaped = shapedFor(schema, pools, field, depth);
  return fc.oneof({ arbitrary: shaped, weight: 8 }, { arbitrary: anyJson, weight: 1 });
}

function shapedFor(
  schema: z.ZodType,
  pools: ValuePools,
  field: string,
  depth: number,
): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  const inner = (s: z.ZodType, name = field) => arbitraryFor(s, pools, name, depth + 1);
  if (depth > 5) return anyJson;
  switch (def.type) {
    case 'string':
      return hostileString(pools, field);
    case 'number':
    case 'bigint':
      return hostileNumber();
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'literal':
      return fc.constantFrom(...(def.values ?? [null]));
    case 'enum':
      return fc.constantFrom(...Object.values(def.entries ?? { x: 'x' }));
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return fc.oneof(
        { arbitrary: inner(def.innerType as z.ZodType), weight: 6 },
        { arbitrary: fc.constant(null), weight: 1 },
      );
    case 'pipe': {
      // z.preprocess: the schema after the transform says what is expected.
      const source = defOf(def.in as z.ZodType).type === 'transform' ? def.out : def.in;
      return shapedFor(source as z.ZodType, pools, field, depth);
    }
    case 'array':
      return fc.array(inner(def.element as z.ZodType), { maxLength: 4 });
    case 'tuple':
      return fc.tuple(...(def.items ?? []).map((s) => inner(s)));
    case 'union':
      return fc.oneof(...(def.options ?? []).map((s) => shapedFor(s, pools, field, depth)));
    case 'intersection':
      return shapedFor(def.left as z.ZodType, pools, field, depth);
    case 'lazy':
      return shapedFor((def.getter as () => z.ZodType)(), pools, field, depth + 1);
    case 'record':
      return fc.dictionary(hostileString(pools), inner(def.valueType as z.ZodType), { maxKeys: 4 });
    case 'object': {
      const fields = Object.fromEntries(
        Object.entries(def.shape ?? {}).map(([name, s]) => [name, inner(s, name)]),
      );
      return fc
        .tuple(
          fc.record(fields, { requiredKeys: [] }),
          fc.dictionary(fc.constantFrom(...HOSTILE_STRINGS, 'extra'), anyJson, { maxKeys: 2 }),
        )
        .map(([known, extra]) => ({ ...extra, ...known }));
    }
    default:
      return anyJson;
  }
}

/**
 * Converts a JSON Schema (OpenAI tool parameters, response_format schemas) to the OpenAPI subset
 * Gemini accepts: Google rejects the whole request on keys it does not know (`additionalProperties`,
 * `$schema`, `strict`), so unknown keys are dropped, `$ref`s inlined, and `type: [x, "null"]`
 * turned into `nullable`.
 */
import { isRecord } from '../shared/chat-messages.js';

const KEPT_KEYS = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'default',
  'minimum',
  'maximum',
  'propertyOrdering',
]);

/** Self-referencing schemas are cut at this depth instead of recursing forever. */
const MAX_DEPTH = 32;

type Schema = Record<string, unknown>;

export function toGeminiSchema(schema: Schema): Schema {
  const defs = { ...asSchemaMap(schema.definitions), ...asSchemaMap(schema.$defs) };
  return convert(schema, defs, 0);
}

function convert(schema: Schema, defs: Record<string, Schema>, depth: number): Schema {
  if (depth > MAX_DEPTH) return { type: 'object' };
  const resolved = resolveRef(schema, defs);
  const out: Schema = {};
  for (const [key, value] of Object.entries(resolved)) {
    if (KEPT_KEYS.has(key)) out[key] = value;
  }
  if (Array.isArray(resolved.type)) {
    delete out.type;
    Object.assign(out, convertTypeList(resolved.type));
  }
  if ('const' in resolved && out.enum === undefined) out.enum = [resolved.const];
  if (Array.isArray(out.enum)) out.enum = out.enum.map((v) => String(v));
  if (isRecord(resolved.properties)) {
    const properties: Record<string, Schema> = {};
    for (const [name, value] of Object.entries(resolved.properties)) {
      if (isRecord(value)) properties[name] = convert(value, defs, depth + 1);
    }
    out.properties = properties;
    if (Array.isArray(resolved.required)) {
      out.required = resolved.required.filter((r) => typeof r === 'string' && r in properties);
    }
  }
  if (isRecord(resolved.items)) out.items = convert(resolved.items, defs, depth + 1);
  const variants = resolved.anyOf ?? resolved.oneOf;
  if (Array.isArray(variants)) {
    const nonNull = variants.filter((v): v is Schema => isRecord(v) && v.type !== 'null');
    if (nonNull.length < variants.length) out.nullable = true;
    if (nonNull.length === 1 && nonNull[0])
      Object.assign(out, convert(nonNull[0], defs, depth + 1));
    else out.anyOf = nonNull.map((v) => convert(v, defs, depth + 1));
  }
  return out;
}

function convertTypeList(types: unknown[]): Schema {
  const named = types.filter((t): t is string => typeof t === 'string' && t !== 'null');
  const nullable = named.length < types.length ? { nullable: true } : {};
  if (named.length === 1) return { type: named[0], ...nullable };
  return { anyOf: named.map((type) => ({ type })), ...nullable };
}

function resolveRef(schema: Schema, defs: Record<string, Schema>): Schema {
  if (typeof schema.$ref !== 'string') return schema;
  const name = schema.$ref.replace(/^#\/(\$defs|definitions)\//, '');
  const target = defs[name];
  if (!target) return { type: 'object' };
  // Sibling keys (`description` next to `$ref`) describe this use of the definition.
  const { $ref: _ref, ...rest } = schema;
  return { ...target, ...rest };
}

function asSchemaMap(value: unknown): Record<string, Schema> {
  if (!isRecord(value)) return {};
  const out: Record<string, Schema> = {};
  for (const [k, v] of Object.entries(value)) if (isRecord(v)) out[k] = v;
  return out;
}

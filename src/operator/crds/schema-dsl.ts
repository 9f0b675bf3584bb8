/**
 * A few builders for the structural OpenAPI v3 schemas a CustomResourceDefinition needs, so the
 * six CRDs read as field tables instead of pages of YAML.
 */
export type JsonSchema = Record<string, unknown>;

export const str = (description?: string, extra: JsonSchema = {}): JsonSchema => ({
  type: 'string',
  ...(description && { description }),
  ...extra,
});
export const int = (description?: string): JsonSchema => ({
  type: 'integer',
  format: 'int64',
  minimum: 0,
  ...(description && { description }),
});
export const bool = (description?: string): JsonSchema => ({
  type: 'boolean',
  ...(description && { description }),
});
export const list = (items: JsonSchema, description?: string): JsonSchema => ({
  type: 'array',
  items,
  ...(description && { description }),
});
export const map = (values: JsonSchema, description?: string): JsonSchema => ({
  type: 'object',
  additionalProperties: values,
  ...(description && { description }),
});
export const enumOf = (values: readonly string[], description?: string): JsonSchema =>
  str(description, { enum: [...values] });

/** Dollars as a string, as the LiteLLM operator's CRDs declare them ("10", "12.50"). */
export const money = (description?: string): JsonSchema =>
  str(description, { pattern: '^[0-9]+(\\.[0-9]+)?$' });

/** Any JSON object, kept as written (free-form configuration blocks). */
export const freeForm = (description?: string): JsonSchema => ({
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
  ...(description && { description }),
});

export interface ObjectOptions {
  required?: readonly string[];
  description?: string;
  /** CEL rules (`x-kubernetes-validations`). */
  rules?: readonly { rule: string; message: string }[];
}

export function obj(
  properties: Record<string, JsonSchema>,
  options: ObjectOptions = {},
): JsonSchema {
  return {
    type: 'object',
    ...(options.description && { description: options.description }),
    properties,
    ...(options.required?.length && { required: [...options.required] }),
    ...(options.rules?.length && {
      'x-kubernetes-validations': options.rules.map((r) => ({ ...r })),
    }),
  };
}

/** A field that may be set at creation and never changed afterwards. */
export function immutable(schema: JsonSchema, message: string): JsonSchema {
  return { ...schema, 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message }] };
}

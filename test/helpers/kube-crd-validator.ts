/**
 * Admission for custom resources as a Kubernetes API server does it, from the CRD files the
 * operator ships: the OpenAPI v3 schema checked with ajv (the validator kubernetes-models itself
 * uses), defaults applied, unknown fields found (pruned, or refused under fieldValidation=Strict)
 * and the CRDs' CEL rules evaluated. CEL here is not a CEL engine: it knows the exact rules the
 * CRDs use and refuses any other, so a new rule cannot pass unchecked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';

type Json = Record<string, unknown>;
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => void;

export interface CrdVersion {
  group: string;
  version: string;
  kind: string;
  plural: string;
  /** Whether the status subresource is on (the main endpoint then ignores status). */
  statusSubresource: boolean;
  schema: Json;
  columns: { name: string; jsonPath: string }[];
}

export interface Admission {
  errors: string[];
  /** Paths of fields the schema does not declare (removed from the object). */
  unknownFields: string[];
}

/** The CEL rules the CRDs use, as functions of (self, oldSelf). */
const KNOWN_RULES: Record<string, (self: unknown, old: unknown) => boolean> = {
  'self == oldSelf': (self, old) => JSON.stringify(self) === JSON.stringify(old),
  'has(self.instanceRef) != has(self.secretRef)': (self) =>
    ((self as Json).instanceRef !== undefined) !== ((self as Json).secretRef !== undefined),
};

export function loadCrds(folder: string): CrdVersion[] {
  return readdirSync(folder)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => parse(readFileSync(join(folder, f), 'utf8')) as Json)
    .map((crd) => {
      const spec = crd.spec as Json;
      const names = spec.names as Json;
      const version = (spec.versions as Json[])[0]!;
      return {
        group: String(spec.group),
        version: String(version.name),
        kind: String(names.kind),
        plural: String(names.plural),
        statusSubresource: (version.subresources as Json | undefined)?.status !== undefined,
        schema: (version.schema as Json).openAPIV3Schema as Json,
        columns: (version.additionalPrinterColumns as { name: string; jsonPath: string }[]) ?? [],
      };
    });
}

export class CrdValidator {
  private readonly ajv = new Ajv({
    strict: false,
    allErrors: true,
    useDefaults: true,
    formats: { int64: true },
  });
  private readonly compiled = new Map<CrdVersion, ValidateFunction>();

  constructor() {
    addFormats(this.ajv);
  }

  /** Checks (and defaults, and prunes) `object` in place; `old` is the stored object on update. */
  admit(crd: CrdVersion, object: Json, old?: Json): Admission {
    const unknownFields: string[] = [];
    prune(crd.schema, object, '', unknownFields);
    let validate = this.compiled.get(crd);
    if (!validate) {
      validate = this.ajv.compile(crd.schema);
      this.compiled.set(crd, validate);
    }
    const errors: string[] = [];
    if (!validate(object)) {
      for (const e of validate.errors ?? []) {
        const path = e.instancePath.replace(/^\//, '').replaceAll('/', '.');
        const detail =
          e.params && 'allowedValues' in e.params
            ? `: supported values: ${(e.params.allowedValues as string[]).map((v) => `"${v}"`).join(', ')}`
            : '';
        const field =
          e.keyword === 'required'
            ? `${path ? `${path}.` : ''}${String(e.params.missingProperty)}`
            : path;
        errors.push(
          `${field}: ${e.keyword === 'required' ? 'Required value' : `Invalid value: ${e.message ?? ''}${detail}`}`,
        );
      }
    }
    checkRules(crd.schema, { value: object, old, path: '' }, errors);
    return { errors, unknownFields };
  }
}

function prune(schema: Json, value: unknown, path: string, unknown: string[]): void {
  if (schema['x-kubernetes-preserve-unknown-fields'] === true) return;
  if (Array.isArray(value) && schema.items) {
    value.forEach((v, i) => prune(schema.items as Json, v, `${path}[${i}]`, unknown));
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Json;
  const properties = schema.properties as Record<string, Json> | undefined;
  const additional = schema.additionalProperties as Json | undefined;
  for (const key of Object.keys(record)) {
    const child = properties?.[key] ?? additional;
    const childPath = path ? `${path}.${key}` : key;
    if (child) prune(child, record[key], childPath, unknown);
    else if (properties) {
      unknown.push(childPath);
      delete record[key];
    }
  }
}

interface RuleTarget {
  value: unknown;
  old: unknown;
  path: string;
}

function checkRules(schema: Json, { value, old, path }: RuleTarget, errors: string[]): void {
  if (value === undefined) return;
  for (const { rule, message } of (schema['x-kubernetes-validations'] as Json[] | undefined) ??
    []) {
    const check = KNOWN_RULES[String(rule)];
    if (!check) throw new Error(`the test's CEL evaluator does not know the rule ${String(rule)}`);
    // Transition rules (those naming oldSelf) only run on update, when there is an old value.
    if (String(rule).includes('oldSelf') && old === undefined) continue;
    if (!check(value, old)) errors.push(`${path || '<root>'}: Invalid value: ${String(message)}`);
  }
  const properties = schema.properties as Record<string, Json> | undefined;
  if (properties && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(properties)) {
      const oldChild = typeof old === 'object' && old !== null ? (old as Json)[key] : undefined;
      const childPath = path ? `${path}.${key}` : key;
      checkRules(child, { value: (value as Json)[key], old: oldChild, path: childPath }, errors);
    }
  }
}

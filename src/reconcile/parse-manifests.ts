/**
 * YAML text → validated manifests. Every document of every source is checked, and every problem
 * is reported with its source, document number and field path, before anything is applied.
 */
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { API_VERSION, KINDS, Manifest } from './manifest-schema.js';

export interface ManifestSource {
  /** A file name, or `-` for standard input. */
  name: string;
  text: string;
}

export interface ParsedManifests {
  manifests: Manifest[];
  errors: string[];
}

export function parseManifests(sources: readonly ManifestSource[]): ParsedManifests {
  const manifests: Manifest[] = [];
  const errors: string[] = [];
  for (const source of sources) {
    const documents = parseAllDocuments(source.text);
    if (!Array.isArray(documents)) continue;
    documents.forEach((document, index) => {
      const where = `${source.name}: document ${index + 1}`;
      if (document.errors.length > 0) {
        errors.push(`${where}: not valid YAML: ${document.errors[0]?.message ?? ''}`);
        return;
      }
      const value: unknown = document.toJS();
      if (value === null || value === undefined) return;
      const checked = checkManifest(value);
      if (typeof checked === 'string') errors.push(`${where}${label(value)}: ${checked}`);
      else manifests.push(checked);
    });
  }
  errors.push(...duplicateErrors(manifests));
  return { manifests, errors };
}

function checkManifest(value: unknown): Manifest | string {
  const object = value as { apiVersion?: unknown; kind?: unknown };
  if (typeof value !== 'object' || Array.isArray(value))
    return 'expected a Kubernetes resource (a mapping)';
  if (object.apiVersion !== API_VERSION) {
    return `apiVersion: expected ${API_VERSION}, got ${JSON.stringify(object.apiVersion)}`;
  }
  if (!KINDS.includes(object.kind as never)) {
    return `kind: expected one of ${KINDS.join(', ')}, got ${JSON.stringify(object.kind)}`;
  }
  const result = Manifest.safeParse(value);
  return result.success ? result.data : describeIssues(result.error);
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.');
      if (issue.code === 'unrecognized_keys') {
        return `${path ? `${path}: ` : ''}unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
      }
      return `${path}: ${issue.message}`;
    })
    .join('; ');
}

function label(value: unknown): string {
  const object = value as { kind?: unknown; metadata?: { name?: unknown } };
  const name = object.metadata?.name;
  return typeof object.kind === 'string' && typeof name === 'string'
    ? ` (${object.kind} ${name})`
    : '';
}

/** Two resources with the same name, or two that would be the same object in the gateway. */
function duplicateErrors(manifests: readonly Manifest[]): string[] {
  const errors: string[] = [];
  const seen = new Map<string, string>();
  for (const m of manifests) {
    const keys = [`${m.kind} ${namespaceOf(m)}/${m.metadata.name}`];
    if (m.kind === 'User') keys.push(`User with userEmail ${m.spec.userEmail.toLowerCase()}`);
    if (m.kind === 'Team') keys.push(`Team with teamAlias ${m.spec.teamAlias}`);
    if (m.kind === 'VirtualKey') keys.push(`VirtualKey with keyAlias ${m.spec.keyAlias}`);
    for (const key of keys) {
      const first = seen.get(key);
      if (first !== undefined)
        errors.push(`${key} is defined twice (${first} and ${m.metadata.name})`);
      else seen.set(key, m.metadata.name);
    }
  }
  return errors;
}

export function namespaceOf(manifest: Manifest): string {
  return manifest.metadata.namespace ?? 'default';
}

/** The manifests named by `-f`: files, folders (their .yaml, .yml and .json files) or `-`. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ManifestSource } from '../reconcile/parse-manifests.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './cli-io.js';

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

export async function readManifestSources(
  io: CliIo,
  paths: readonly string[],
  recursive: boolean,
): Promise<ManifestSource[]> {
  const sources: ManifestSource[] = [];
  for (const path of paths) {
    if (path === '-') {
      sources.push({ name: '-', text: await io.readStdin() });
      continue;
    }
    for (const file of filesOf(path, recursive)) {
      sources.push({ name: file, text: readFileSync(file, 'utf8') });
    }
  }
  return sources;
}

function filesOf(path: string, recursive: boolean): string[] {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    throw new CliError(`-f ${path}: no such file or folder`);
  }
  if (!stats.isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const child = join(path, entry.name);
      if (entry.isDirectory()) return recursive ? filesOf(child, true) : [];
      return MANIFEST_FILE.test(entry.name) ? [child] : [];
    });
}

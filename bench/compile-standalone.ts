// Turns a self-contained bench script (node: and npm imports only) into plain JavaScript, so that
// measured processes run as bare `node` like the built gateway does: under the tsx loader a
// process carries ~40 MB of extra resident memory, which would skew the memory comparison.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ts from 'typescript';

/** Returns the path of the emitted .mjs; it lives under node_modules so npm imports resolve. */
export function compileStandalone(repoRoot: string, script: string): string {
  const source = readFileSync(join(repoRoot, script), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: script,
  });
  const dir = join(repoRoot, 'node_modules', '.cache', 'tollgate-bench');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, basename(script).replace(/\.ts$/, '.mjs'));
  writeFileSync(out, outputText);
  return out;
}

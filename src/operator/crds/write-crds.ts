/**
 * Writes the CRD files (deploy/crds and the operator chart's crds/ folder) from the definitions.
 * Run with `npm run crds`; a test fails when the files on disk differ from this output.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CRD_FOLDERS, renderCrdFiles } from './crds.js';

for (const folder of CRD_FOLDERS) {
  mkdirSync(folder, { recursive: true });
  for (const [name, text] of await renderCrdFiles()) writeFileSync(join(folder, name), text);
}

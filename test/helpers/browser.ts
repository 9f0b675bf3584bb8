/**
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core,
 * the web UI built (again when its sources are newer than the build), and screenshots kept as
 * test artifacts in test-artifacts/ui/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const UI_SOURCES = join(REPO, 'ui');
const UI_BUILD = join(REPO, 'dist', 'ui', 'index.html');
export const ARTIFACTS = join(REPO, 'test-artifacts', 'ui');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

function newestChange(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestChange(path) : stat.mtimeMs);
  }
  return newest;
}

/** Builds the UI into dist/ui unless a build newer than every source file is there. */
export function ensureUiBuilt(): void {
  if (existsSync(UI_BUILD) && statSync(UI_BUILD).mtimeMs >= newestChange(UI_SOURCES)) return;
  const vite = join(REPO, 'node_modules', 'vite', 'bin', 'vite.js');
  const built = spawnSync(
    process.execPath,
    [vite, 'build', '--config', join(UI_SOURCES, 'vite.config.ts'), '--logLevel', 'error'],
    { cwd: REPO, encoding: 'utf8' },
  );
  if (built.status !== 0) throw new Error(`building the UI failed:\n${built.stderr}`);
}

/** Saves a full-page screenshot as test-artifacts/ui/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * The operator's hooks named in `general_settings` as `module.fn` (LiteLLM's
 * `custom_key_generate` and `custom_auth`), loaded once at start with a dynamic import. Only
 * modules named in the config are ever loaded; nothing from a request is. A module is a file next
 * to the config (`custom_auth` → `custom_auth.mjs`, `.js` or `.cjs`; `hooks.auth` →
 * `hooks/auth.mjs`; `./hooks/auth.mjs`), or else a package name. A missing module or function
 * stops the start with a message naming the setting.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from './config-error.js';
import type { GatewayConfig } from './gateway-config.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- operator code of any shape
export type HookFunction = (...args: any[]) => unknown;

export interface LoadedHooks {
  customKeyGenerate?: HookFunction;
  customAuth?: HookFunction;
}

const EXTENSIONS = ['', '.mjs', '.js', '.cjs'];

export async function loadConfigHooks(config: GatewayConfig): Promise<LoadedHooks> {
  const hooks = config.hooks;
  const baseDir = config.configDir ?? process.cwd();
  const loaded: LoadedHooks = {};
  if (hooks?.customKeyGenerate) {
    loaded.customKeyGenerate = await loadHook(
      'general_settings.custom_key_generate',
      hooks.customKeyGenerate,
      baseDir,
    );
  }
  if (hooks?.customAuth) {
    loaded.customAuth = await loadHook('general_settings.custom_auth', hooks.customAuth, baseDir);
  }
  return loaded;
}

/** Imports `spec` (`module.fn`) and returns its function; a ConfigError naming `setting` if not. */
export async function loadHook(
  setting: string,
  spec: string,
  baseDir: string,
): Promise<HookFunction> {
  const dot = spec.lastIndexOf('.');
  if (dot <= 0 || dot === spec.length - 1) {
    throw new ConfigError([
      `${setting}: "${spec}" must be "module.function" (a file next to the config, or a package, and the function it exports)`,
    ]);
  }
  const moduleName = spec.slice(0, dot);
  const functionName = spec.slice(dot + 1);
  const target = resolveModule(moduleName, baseDir);
  if (target === undefined) {
    throw new ConfigError([
      `${setting}: cannot find module "${moduleName}" (looked for ${moduleName}.mjs, .js or .cjs in ${baseDir}, and for a package of that name)`,
    ]);
  }
  let module: Record<string, unknown>;
  try {
    module = (await import(target)) as Record<string, unknown>;
  } catch (error: unknown) {
    throw new ConfigError([
      `${setting}: cannot load module "${moduleName}": ${error instanceof Error ? error.message : String(error)}`,
    ]);
  }
  const fn =
    module[functionName] ?? (module.default as Record<string, unknown> | undefined)?.[functionName];
  if (typeof fn !== 'function') {
    throw new ConfigError([
      `${setting}: module "${moduleName}" has no exported function "${functionName}"`,
    ]);
  }
  return fn as HookFunction;
}

/** A file URL for a file next to the config, or a package's resolved path; undefined if none. */
function resolveModule(name: string, baseDir: string): string | undefined {
  const relative = name.startsWith('./') || name.startsWith('../') || isAbsolute(name);
  const stems = relative ? [name] : [name, name.replaceAll('.', '/')];
  for (const stem of stems) {
    for (const extension of EXTENSIONS) {
      const path = resolve(baseDir, stem + extension);
      if (existsSync(path) && statSync(path).isFile()) return pathToFileURL(path).href;
    }
  }
  if (relative) return undefined;
  // A package: from the config's directory first, then from Tollgate's own dependencies.
  for (const from of [join(baseDir, 'noop.js'), import.meta.url]) {
    try {
      const found = createRequire(from).resolve(name);
      // Built-in modules resolve to their own name (`node:fs`).
      return isAbsolute(found) ? pathToFileURL(found).href : found;
    } catch {
      // not found from here
    }
  }
  try {
    // ESM-only packages have no `require` entry point.
    return import.meta.resolve(name);
  } catch {
    return undefined;
  }
}

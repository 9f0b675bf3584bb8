/**
 * Model access lists (LiteLLM `_check_model_access_helper`): an empty list or `*` /
 * `all-proxy-models` allows every model; other entries are model names, access groups
 * (`model_info.access_groups` of deployments) or wildcards such as `openai/*`, which match a
 * requested name or every deployment behind it.
 */
import type { Deployment } from '../contracts/deployment.js';
import { globMatches } from '../util/glob.js';

/** What the access checks need to know about the configured models. */
export interface ModelDirectory {
  /** Public model names (groups and visible aliases), as /v1/models lists them. */
  readonly names: readonly string[];
  readonly nameSet: ReadonlySet<string>;
  /** Access group → model names in it. */
  readonly accessGroups: ReadonlyMap<string, readonly string[]>;
  /** `provider/model` of every deployment behind a public name. */
  routesOf(name: string): readonly string[];
}

/** The part of the model catalog the directory is built from. */
export interface ModelSource {
  publicModelNames(): string[];
  allDeployments(): Deployment[];
  deploymentsOf(name: string): Deployment[];
}

export function buildModelDirectory(source: ModelSource): ModelDirectory {
  const names = source.publicModelNames();
  const accessGroups = new Map<string, string[]>();
  for (const d of source.allDeployments()) {
    for (const group of d.modelInfo.access_groups) {
      const members = accessGroups.get(group) ?? [];
      if (!members.includes(d.modelName)) members.push(d.modelName);
      accessGroups.set(group, members);
    }
  }
  const routes = new Map<string, string[]>();
  for (const name of names) {
    routes.set(
      name,
      source.deploymentsOf(name).map((d) => `${d.provider}/${d.model}`),
    );
  }
  return {
    names,
    nameSet: new Set(names),
    accessGroups,
    routesOf: (name) => routes.get(name) ?? [],
  };
}

/** One compiled list: the key's, the team's or the user's. */
export interface ModelRule {
  readonly all: boolean;
  allows(model: string): boolean;
}

export const ALLOW_ALL: ModelRule = Object.freeze({ all: true, allows: () => true });
export const ALLOW_NONE: ModelRule = Object.freeze({ all: false, allows: () => false });

const EVERYTHING = new Set(['*', 'all-proxy-models']);

export function compileModelRule(entries: readonly string[], directory: ModelDirectory): ModelRule {
  if (entries.length === 0 || entries.some((e) => EVERYTHING.has(e))) return ALLOW_ALL;
  const names = new Set<string>();
  const patterns: string[] = [];
  for (const entry of entries) {
    names.add(entry);
    for (const member of directory.accessGroups.get(entry) ?? []) names.add(member);
    if (entry.includes('*')) patterns.push(entry);
  }
  return Object.freeze({
    all: false,
    allows: (model: string) =>
      names.has(model) ||
      (patterns.length > 0 && patterns.some((p) => matchesPattern(p, model, directory))),
  });
}

function matchesPattern(pattern: string, model: string, directory: ModelDirectory): boolean {
  if (globMatches(pattern, model)) return true;
  const routes = directory.routesOf(model);
  return routes.length > 0 && routes.every((route) => globMatches(pattern, route));
}

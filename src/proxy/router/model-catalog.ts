/**
 * The model groups of the config: exact names, `*` wildcards and `model_group_alias`. Answers
 * "which deployments serve the model this request names?".
 */
import type { AliasTarget } from '../../config/gateway-config.js';
import type { Deployment } from '../../contracts/deployment.js';
import { globCapture } from '../../util/glob.js';

export interface ResolvedGroup {
  /** The group name used for routing and fallbacks. */
  group: string;
  /** The configured `model_name` it matched (the wildcard pattern for wildcard groups). */
  configuredName: string;
  deployments: Deployment[];
}

interface WildcardGroup {
  name: string;
  deployments: Deployment[];
}

export class ModelCatalog {
  private readonly exact = new Map<string, Deployment[]>();
  private readonly wildcards: WildcardGroup[] = [];

  constructor(
    deployments: readonly Deployment[],
    private readonly aliases: ReadonlyMap<string, AliasTarget> = new Map(),
  ) {
    for (const d of deployments) {
      if (d.modelName.includes('*')) {
        let group = this.wildcards.find((w) => w.name === d.modelName);
        if (!group) {
          group = { name: d.modelName, deployments: [] };
          this.wildcards.push(group);
        }
        group.deployments.push(d);
      } else {
        const list = this.exact.get(d.modelName) ?? [];
        list.push(d);
        this.exact.set(d.modelName, list);
      }
    }
    // More specific wildcards ("openai/gpt-*") win over broad ones ("*").
    this.wildcards.sort((a, b) => b.name.length - a.name.length);
  }

  resolve(requested: string): ResolvedGroup | undefined {
    const name = this.aliases.get(requested)?.model ?? requested;
    const exact = this.exact.get(name);
    if (exact) return { group: name, configuredName: name, deployments: exact };
    for (const w of this.wildcards) {
      // Each star stands for at least one character, as LiteLLM's `(.+)`.
      const captured = globCapture(w.name, name, 1);
      if (captured === undefined) continue;
      return {
        group: name,
        configuredName: w.name,
        deployments: w.deployments.map((d) => ({
          ...d,
          modelName: name,
          model: d.model.includes('*') ? d.model.replace('*', captured) : d.model,
        })),
      };
    }
    return undefined;
  }

  /** Public model names: groups, then visible aliases, in config order. */
  publicModelNames(): string[] {
    const names = [...this.exact.keys(), ...this.wildcards.map((w) => w.name)];
    for (const [alias, target] of this.aliases) {
      if (!target.hidden && !names.includes(alias)) names.push(alias);
    }
    return names;
  }

  allDeployments(): Deployment[] {
    return [...[...this.exact.values()].flat(), ...this.wildcards.flatMap((w) => w.deployments)];
  }

  /** Deployments (wildcards unresolved) of one public name, for /model/info. */
  deploymentsOf(name: string): Deployment[] {
    const target = this.aliases.get(name)?.model ?? name;
    return (
      this.exact.get(target) ?? this.wildcards.find((w) => w.name === target)?.deployments ?? []
    );
  }
}

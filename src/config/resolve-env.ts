/** LiteLLM's `os.environ/NAME` references, resolved anywhere in the config tree. */
const PREFIX = 'os.environ/';

export interface EnvResolution {
  value: unknown;
  /** Paths whose variable was not set, with the variable name. */
  missing: { path: string; name: string }[];
}

export function resolveEnvReferences(
  node: unknown,
  env: Readonly<Record<string, string | undefined>>,
): EnvResolution {
  const missing: { path: string; name: string }[] = [];
  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') {
      if (!value.startsWith(PREFIX)) return value;
      const name = value.slice(PREFIX.length);
      const resolved = env[name];
      if (resolved === undefined) missing.push({ path, name });
      return resolved;
    }
    if (Array.isArray(value)) return value.map((item, i) => walk(item, `${path}[${i}]`));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(value)) {
        const resolved = walk(child, path ? `${path}.${key}` : key);
        if (resolved !== undefined) out[key] = resolved;
      }
      return out;
    }
    return value;
  };
  return { value: walk(node, ''), missing };
}

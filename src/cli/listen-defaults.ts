/**
 * Where the gateway listens when the command line does not say: `$PORT` and `$HOST`, else
 * LiteLLM's 4000 on every address. A variable set to nothing (`PORT=` in an env file) counts as
 * unset, not as port 0 (any free port).
 */
export interface ListenDefaults {
  port: string;
  host: string;
}

export function listenDefaults(env: Record<string, string | undefined>): ListenDefaults {
  return {
    port: blankToUndefined(env.PORT) ?? '4000',
    host: blankToUndefined(env.HOST) ?? '0.0.0.0',
  };
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

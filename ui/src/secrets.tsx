/**
 * Keys created in this browser tab, with their secrets. A secret is shown only once by the
 * gateway, so the playground can use a key only if it was made here (or its owner pastes it).
 * Kept in memory only: never in storage a script or another tab could read later.
 */
import { createContext, useContext, useState, type ReactNode } from 'react';

export interface KnownSecret {
  alias: string;
  secret: string;
}

interface Secrets {
  secrets: KnownSecret[];
  remember(secret: KnownSecret): void;
}

const SecretsContext = createContext<Secrets>({ secrets: [], remember: () => undefined });

export function SecretsProvider({ children }: { children: ReactNode }) {
  const [secrets, setSecrets] = useState<KnownSecret[]>([]);
  const remember = (secret: KnownSecret) =>
    setSecrets((known) => [secret, ...known.filter((k) => k.alias !== secret.alias)]);
  return (
    <SecretsContext.Provider value={{ secrets, remember }}>{children}</SecretsContext.Provider>
  );
}

export function useSecrets(): Secrets {
  return useContext(SecretsContext);
}

/**
 * Looks a presented key hash up in the store: the key itself, or an old secret still in its
 * grace period after a regeneration, then its user, team and team membership, and its spend per
 * model when it has a `model_max_budget`, and its shared budget when it names one, and the
 * organization of its team with that organization's budget.
 */
import type { StoredRead } from '../spend/types.js';
import type { Store } from '../store/store.js';
import type { ModelDirectory } from './model-access.js';
import type { Principal } from './principal.js';
import { createVirtualKeyPrincipal, type KeyOwners } from './virtual-key-principal.js';

export interface ResolvedKey {
  principal: Principal;
  /** Epoch ms after which this hash stops working (the end of a grace period). */
  validUntil?: number;
}

/** `null` when the hash matches no key. */
export type KeyResolver = (hash: string) => Promise<ResolvedKey | null>;

/** Reads stored spend in step with the spend ledger (`SpendLedger.readStored`). */
export type StoredSpendReader = <T>(read: () => Promise<T>) => Promise<StoredRead<T>>;

export function createKeyResolver(
  store: Pick<Store, 'keys' | 'users' | 'teams' | 'budgets' | 'organizations'>,
  directory: ModelDirectory,
  now: () => number = Date.now,
  readStored?: StoredSpendReader,
): KeyResolver {
  const read = ownersReader(store, now);
  return async (hash) => {
    // The spends read with the key are whole only with what the ledger has not written and what
    // it wrote after the read: the principal says where the read stood (Scope.storedWritten).
    const found = readStored ? await readStored(() => read(hash)) : undefined;
    const owners = found ? found.value : await read(hash);
    if (!owners) return null;
    return {
      principal: createVirtualKeyPrincipal(
        { ...owners.owners, storedWritten: found?.written },
        directory,
      ),
      validUntil: owners.validUntil,
    };
  };
}

/** The stored records a presented key hash leads to; `null` when it matches no key. */
function ownersReader(
  store: Pick<Store, 'keys' | 'users' | 'teams' | 'budgets' | 'organizations'>,
  now: () => number,
): (hash: string) => Promise<{ owners: KeyOwners; validUntil?: number } | null> {
  return async (hash) => {
    let key = await store.keys.findByHash(hash);
    let validUntil: number | undefined;
    if (!key) {
      const old = await store.keys.findDeprecated(hash, new Date(now()).toISOString());
      if (!old) return null;
      key = await store.keys.findByHash(old.activeToken);
      if (!key) return null;
      validUntil = Date.parse(old.revokeAt);
    }
    const { user_id: userId, team_id: teamId } = key;
    const [user, team, teamMember, modelSpend, budget] = await Promise.all([
      userId ? store.users.findById(userId) : undefined,
      teamId ? store.teams.findById(teamId) : undefined,
      userId && teamId ? store.teams.findMember(teamId, userId) : undefined,
      hasEntries(key.model_max_budget) ? store.keys.findModelSpend(key.token) : undefined,
      key.budget_id ? store.budgets.findById(key.budget_id) : undefined,
    ]);
    // A team in an organization holds its keys to it; other keys may name one themselves.
    const organizationId = team?.organization_id ?? key.organization_id;
    const organization = organizationId
      ? await store.organizations.findById(organizationId)
      : undefined;
    const organizationBudget = organization?.budget_id
      ? await store.budgets.findById(organization.budget_id)
      : undefined;
    return {
      owners: { key, user, team, teamMember, modelSpend, budget, organization, organizationBudget },
      validUntil,
    };
  };
}

function hasEntries(table: Readonly<Record<string, unknown>>): boolean {
  for (const _ in table) return true;
  return false;
}

/**
 * Looks a presented key hash up in the store: the key itself, or an old secret still in its
 * grace period after a regeneration, then its user, team and team membership, and its spend per
 * model when it has a `model_max_budget`, and its shared budget when it names one, and the
 * organization of its team with that organization's budget.
 */
import type { Store } from '../store/store.js';
import type { ModelDirectory } from './model-access.js';
import type { Principal } from './principal.js';
import { createVirtualKeyPrincipal } from './virtual-key-principal.js';

export interface ResolvedKey {
  principal: Principal;
  /** Epoch ms after which this hash stops working (the end of a grace period). */
  validUntil?: number;
}

/** `null` when the hash matches no key. */
export type KeyResolver = (hash: string) => Promise<ResolvedKey | null>;

export function createKeyResolver(
  store: Pick<Store, 'keys' | 'users' | 'teams' | 'budgets' | 'organizations'>,
  directory: ModelDirectory,
  now: () => number = Date.now,
): KeyResolver {
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
      principal: createVirtualKeyPrincipal(
        { key, user, team, teamMember, modelSpend, budget, organization, organizationBudget },
        directory,
      ),
      validUntil,
    };
  };
}

function hasEntries(table: Readonly<Record<string, unknown>>): boolean {
  for (const _ in table) return true;
  return false;
}

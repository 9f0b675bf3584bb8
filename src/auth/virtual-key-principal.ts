/**
 * Builds the principal of a virtual key from its key, user, team and membership rows. Everything
 * a request asks of it is worked out here once (the role, the allowed models of the catalog, the
 * alias table), so the request path does set lookups and nothing else.
 */
import { GatewayError } from '../errors/gateway-error.js';
import type { BudgetRecord } from '../store/budget-repository.js';
import type { KeyModelSpend, KeyRecord } from '../store/key-repository.js';
import type { OrganizationRecord } from '../store/organization-repository.js';
import type { TeamMemberRecord, TeamRecord } from '../store/team-repository.js';
import type { UserRecord } from '../store/user-repository.js';
import { pythonList } from '../util/python-list.js';
import { ALLOW_ALL, ALLOW_NONE, compileModelRule, type ModelDirectory } from './model-access.js';
import { toProxyRole, type Principal } from './principal.js';

export interface KeyOwners {
  key: KeyRecord;
  user?: UserRecord;
  team?: TeamRecord;
  teamMember?: TeamMemberRecord;
  /** The key's per-model spend rows, read when it has a `model_max_budget`. */
  modelSpend?: readonly KeyModelSpend[];
  /** The shared budget of the key's `budget_id`. */
  budget?: BudgetRecord;
  /** The organization of the key's team, and its budget. */
  organization?: OrganizationRecord;
  organizationBudget?: BudgetRecord;
  /** Spend batches the ledger had committed when these records were read (Principal.storedWritten). */
  storedWritten?: number;
}

/** Routes a `key_type` limits a new key to when it lists none itself (LiteLLM's behaviour). */
export const KEY_TYPE_ROUTES: Readonly<Record<string, readonly string[]>> = {
  llm_api: ['llm_api_routes'],
  management: ['management_routes'],
  read_only: ['info_routes'],
};

const NO_DEFAULT_MODELS = 'no-default-models';

export function createVirtualKeyPrincipal(owners: KeyOwners, directory: ModelDirectory): Principal {
  const { key, user, team, teamMember, modelSpend, budget, organization } = owners;
  const keyRule = key.models.includes('all-team-models')
    ? team
      ? ALLOW_ALL
      : ALLOW_NONE
    : compileModelRule(key.models, directory);
  const teamRule = team ? compileModelRule(team.models, directory) : ALLOW_ALL;
  // An organization's list bounds its teams' (empty: every model).
  const organizationRule = organization
    ? compileModelRule(organization.models, directory)
    : ALLOW_ALL;
  // As in LiteLLM, a user's own list governs personal keys; team keys follow the team's list.
  const userRule =
    user && !team
      ? user.models.includes(NO_DEFAULT_MODELS)
        ? ALLOW_NONE
        : compileModelRule(user.models, directory)
      : ALLOW_ALL;
  const everything = keyRule.all && teamRule.all && userRule.all && organizationRule.all;
  const allows = (model: string) =>
    keyRule.allows(model) &&
    teamRule.allows(model) &&
    organizationRule.allows(model) &&
    userRule.allows(model);
  const allowedNames = new Set(directory.names.filter(allows));
  const aliases = { ...(team?.model_aliases ?? {}), ...key.aliases };

  const refusal = (model: string): GatewayError => {
    const options = { param: 'model' };
    if (!keyRule.allows(model)) {
      return new GatewayError(
        'key_model_access_denied',
        `key not allowed to access model. This key can only access models=${pythonList(key.models)}. Tried to access ${model}`,
        options,
      );
    }
    if (team && !teamRule.allows(model)) {
      return new GatewayError(
        'team_model_access_denied',
        `Team not allowed to access model. Team=${team.team_id}, Model=${model}. Allowed team models = ${pythonList(team.models)}`,
        options,
      );
    }
    if (organization && !organizationRule.allows(model)) {
      return new GatewayError(
        'organization_model_access_denied',
        `Organization not allowed to access model. Organization=${organization.organization_id}, Model=${model}. Allowed organization models = ${pythonList(organization.models)}`,
        options,
      );
    }
    const message = user?.models.includes(NO_DEFAULT_MODELS)
      ? `User not allowed to access model. No default model access, only team models allowed. Tried to access ${model}`
      : `User not allowed to access model. User=${user?.user_id}, Model=${model}. Allowed user models = ${pythonList(user?.models ?? [])}`;
    return new GatewayError('user_model_access_denied', message, options);
  };

  return Object.freeze({
    kind: 'virtual_key',
    role: toProxyRole(user?.user_role),
    keyHash: key.token,
    userId: key.user_id ?? undefined,
    teamId: key.team_id ?? undefined,
    key: Object.freeze(key),
    keyModelSpend: modelSpend && new Map(modelSpend.map((row) => [row.model, Object.freeze(row)])),
    keyBudget: budget && Object.freeze(budget),
    user: user && Object.freeze(user),
    team: team && Object.freeze(team),
    teamMember: teamMember && Object.freeze(teamMember),
    organization: organization && Object.freeze(organization),
    organizationBudget: owners.organizationBudget && Object.freeze(owners.organizationBudget),
    expiresAt: key.expires === null ? undefined : Date.parse(key.expires),
    storedWritten: owners.storedWritten,
    allowedRoutes: Object.freeze([...key.allowed_routes]),
    canUseModel: everything
      ? () => true
      : (model: string) =>
          allowedNames.has(model) || (!directory.nameSet.has(model) && allows(model)),
    modelAccessError: refusal,
    resolveModelAlias: (model: string) =>
      Object.hasOwn(aliases, model) ? (aliases[model] ?? model) : model,
  } satisfies Principal);
}

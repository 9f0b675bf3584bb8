/**
 * The principal of a verified JWT: the mapped user and team records (so their budgets, limits
 * and spend apply), the team membership, the routes its kind of caller may use (LiteLLM's
 * `admin_allowed_routes` / `team_allowed_routes`) and the model lists that bind it. Its key hash
 * is the SHA-256 of the token, which the spend log records as the api key (as LiteLLM does).
 */
import { GatewayError } from '../errors/gateway-error.js';
import type { BudgetRecord } from '../store/budget-repository.js';
import type { OrganizationRecord } from '../store/organization-repository.js';
import type { TeamMemberRecord, TeamRecord } from '../store/team-repository.js';
import type { UserRecord } from '../store/user-repository.js';
import { pythonList } from '../util/python-list.js';
import { ALLOW_ALL, compileModelRule, type ModelDirectory } from './model-access.js';
import type { Principal, ProxyRole } from './principal.js';

export interface JwtCaller {
  role: ProxyRole;
  /** SHA-256 hex of the token. */
  tokenHash: string;
  userId?: string;
  user?: UserRecord;
  team?: TeamRecord;
  teamMember?: TeamMemberRecord;
  /** The team's organization and its budget. */
  organization?: OrganizationRecord;
  organizationBudget?: BudgetRecord;
  /** LiteLLM route groups or paths; empty = what the role allows. */
  allowedRoutes: readonly string[];
  /** Epoch ms of the token's `exp`. */
  expiresAt?: number;
  /** The end user the token names (`end_user_id_jwt_field`). */
  endUserId?: string;
}

/** LiteLLM's route group names, as entries the route table understands. */
const ROUTE_GROUP_ENTRIES: Readonly<Record<string, readonly string[]>> = {
  spend_tracking_routes: ['/spend/*'],
  global_spend_tracking_routes: ['/global/spend/*', '/global/spend'],
};

/** `admin_allowed_routes` / `team_allowed_routes` as `allowedRoutes` entries. */
export function routeEntries(routes: readonly string[]): string[] {
  return routes.flatMap((r) =>
    Object.hasOwn(ROUTE_GROUP_ENTRIES, r) ? ROUTE_GROUP_ENTRIES[r]! : [r],
  );
}

/** Whether `team`'s model list lets it use `model`. */
export function teamMayUse(team: TeamRecord, model: string, directory: ModelDirectory): boolean {
  return compileModelRule(team.models, directory).allows(model);
}

export function createJwtPrincipal(caller: JwtCaller, directory: ModelDirectory): Principal {
  const { team, user, organization } = caller;
  const admin = caller.role === 'proxy_admin';
  const teamRule = team && !admin ? compileModelRule(team.models, directory) : ALLOW_ALL;
  // As for keys: the user's own list binds only when no team is in play.
  const userRule = user && !team && !admin ? compileModelRule(user.models, directory) : ALLOW_ALL;
  const organizationRule =
    organization && !admin ? compileModelRule(organization.models, directory) : ALLOW_ALL;
  const refusal = (model: string): GatewayError => {
    if (team && !teamRule.allows(model)) {
      return new GatewayError(
        'team_model_access_denied',
        `Team not allowed to access model. Team=${team.team_id}, Model=${model}. Allowed team models = ${pythonList(team.models)}`,
        { param: 'model' },
      );
    }
    if (organization && !organizationRule.allows(model)) {
      return new GatewayError(
        'organization_model_access_denied',
        `Organization not allowed to access model. Organization=${organization.organization_id}, Model=${model}. Allowed organization models = ${pythonList(organization.models)}`,
        { param: 'model' },
      );
    }
    return new GatewayError(
      'user_model_access_denied',
      `User not allowed to access model. User=${user?.user_id}, Model=${model}. Allowed user models = ${pythonList(user?.models ?? [])}`,
      { param: 'model' },
    );
  };
  const aliases = team?.model_aliases ?? {};
  return Object.freeze({
    kind: 'jwt',
    role: caller.role,
    keyHash: caller.tokenHash,
    userId: caller.userId,
    teamId: team?.team_id,
    user: user && Object.freeze(user),
    team: team && Object.freeze(team),
    teamMember: caller.teamMember && Object.freeze(caller.teamMember),
    organization: organization && Object.freeze(organization),
    organizationBudget: caller.organizationBudget && Object.freeze(caller.organizationBudget),
    expiresAt: caller.expiresAt,
    endUserId: caller.endUserId,
    allowedRoutes: Object.freeze(routeEntries(caller.allowedRoutes)),
    canUseModel: (model: string) =>
      teamRule.allows(model) && organizationRule.allows(model) && userRule.allows(model),
    modelAccessError: refusal,
    resolveModelAlias: (model: string) =>
      Object.hasOwn(aliases, model) ? (aliases[model] ?? model) : model,
  } satisfies Principal);
}

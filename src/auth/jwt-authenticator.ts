/**
 * JWT auth for API calls (`general_settings.enable_jwt_auth`): verifies the bearer token against
 * the identity provider's keys, reads who it names with `litellm_jwtauth`, finds (or, when told
 * to, creates) the user and the teams, and picks the team: with several, the first one whose
 * models include the requested model, as LiteLLM does. The result is a principal that carries
 * the user, team and membership records, so budgets, limits and spend apply to them.
 */
import { createHash } from 'node:crypto';
import type { JwtAuthSettings } from '../config/jwt-auth-settings.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { TeamRecord } from '../store/team-repository.js';
import type { Store } from '../store/store.js';
import { pythonList } from '../util/python-list.js';
import { readJwtIdentity, type JwtIdentity } from './jwt-identity.js';
import { createJwtPrincipal, teamMayUse, type JwtCaller } from './jwt-principal.js';
import type { IdentityProvisioner } from '../sso/identity-provisioning.js';
import { createJwtVerifier, type JwtVerifier } from './jwt-verifier.js';
import type { ModelDirectory } from './model-access.js';
import { toProxyRole, type Principal } from './principal.js';

export interface JwtAuthDeps {
  settings: JwtAuthSettings;
  /** Users and teams; without a store only admin tokens work. */
  store?: Pick<Store, 'teams'> & Partial<Pick<Store, 'organizations' | 'budgets'>>;
  provisioner?: IdentityProvisioner;
  /** The model catalog as it is now (database models change it). */
  directory: () => ModelDirectory;
  now?: () => number;
  /** Replaces the JWKS verifier (tests of the mapping alone). */
  verify?: JwtVerifier;
}

/** Resolves a token; `body` is the request body, whose `model` picks among several teams. */
export type JwtAuthenticator = (token: string, body: unknown) => Promise<Principal>;

export function createJwtAuthenticator(deps: JwtAuthDeps): JwtAuthenticator {
  const { settings } = deps;
  const verify =
    deps.verify ??
    createJwtVerifier({
      publicKeyUrls: settings.publicKeyUrls,
      audience: settings.audience,
      issuer: settings.issuer,
      cacheMaxAgeMs: settings.fields.public_key_ttl * 1000,
      now: deps.now,
    });
  return async (token, body) => {
    const payload = await verify(token);
    const identity = readJwtIdentity(payload, settings.fields);
    const base = {
      tokenHash: createHash('sha256').update(token).digest('hex'),
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
      endUserId: identity.endUserId,
    };
    return createJwtPrincipal(await resolveCaller(deps, identity, body, base), deps.directory());
  };
}

type CallerBase = Pick<JwtCaller, 'tokenHash' | 'expiresAt' | 'endUserId'>;

async function resolveCaller(
  deps: JwtAuthDeps,
  identity: JwtIdentity,
  body: unknown,
  base: CallerBase,
): Promise<JwtCaller> {
  const fields = deps.settings.fields;
  const { store, provisioner } = deps;
  if (!store || !provisioner) {
    if (identity.admin) {
      return {
        ...base,
        role: 'proxy_admin',
        userId: identity.userId,
        allowedRoutes: fields.admin_allowed_routes,
      };
    }
    throw new GatewayError('no_db_connection', 'No connected db.');
  }
  let user = await provisioner.findUser(identity.userId, identity.email);
  if (!user && identity.userId !== undefined && fields.user_id_upsert) {
    user = await provisioner.createUser({
      userId: identity.userId,
      email: identity.email,
      role: identity.role,
      fallbackRole: 'internal_user',
    });
  } else if (user && identity.role && fields.sync_user_role_and_teams) {
    user = await provisioner.updateRole(user, identity.role);
  }
  const userId = user?.user_id ?? identity.userId;
  if (identity.admin) {
    return {
      ...base,
      role: 'proxy_admin',
      userId,
      user,
      allowedRoutes: fields.admin_allowed_routes,
    };
  }
  const teams: TeamRecord[] = [];
  for (const teamId of identity.teamIds) {
    const team = await provisioner.team(teamId, fields.team_id_upsert, userId ?? null);
    if (team) teams.push(team);
  }
  if (userId !== undefined && user && identity.hasTeamList && fields.sync_user_role_and_teams) {
    await provisioner.syncMemberships(
      userId,
      teams.map((t) => t.team_id),
    );
  }
  const role = identity.role ?? (user ? toProxyRole(user.user_role) : 'internal_user');
  if (identity.teamIds.length === 0) {
    if (fields.enforce_team_based_model_access && fields.team_ids_jwt_field !== undefined) {
      throw new GatewayError(
        'forbidden',
        `No teams found in token. Checked team_ids_jwt_field=${fields.team_ids_jwt_field}.`,
      );
    }
    if (userId === undefined) {
      throw new GatewayError(
        'invalid_api_key',
        'Authentication Error, the JWT names no user or team: set litellm_jwtauth.user_id_jwt_field, team_id_jwt_field or team_ids_jwt_field to claims the token carries.',
      );
    }
    return { ...base, role, userId, user, allowedRoutes: [] };
  }
  if (teams.length === 0) {
    throw new GatewayError(
      'invalid_api_key',
      `Authentication Error, Team doesn't exist in db. Team=${identity.teamIds.join(', ')}. Create team via \`/team/new\` call.`,
    );
  }
  const team = chooseTeam(teams, modelOf(body), deps.directory());
  if (team.blocked) {
    throw new GatewayError(
      'team_blocked',
      `Authentication Error, Team=${team.team_id} is blocked. Update via \`/team/unblock\` if you're an admin.`,
    );
  }
  const teamMember =
    userId === undefined ? undefined : await store.teams.findMember(team.team_id, userId);
  // The team's organization holds its calls to its models and budget, as it does a key's.
  const organization = team.organization_id
    ? await store.organizations?.findById(team.organization_id)
    : undefined;
  const organizationBudget = organization?.budget_id
    ? await store.budgets?.findById(organization.budget_id)
    : undefined;
  return {
    ...base,
    role,
    userId,
    user,
    team,
    teamMember,
    organization,
    organizationBudget,
    allowedRoutes: fields.team_allowed_routes,
  };
}

/** The first team that may use `model`; the first team when the request names none. */
function chooseTeam(
  teams: readonly TeamRecord[],
  model: string | undefined,
  directory: ModelDirectory,
): TeamRecord {
  if (model === undefined) return teams[0]!;
  const team = teams.find((t) => teamMayUse(t, model, directory));
  if (team) return team;
  throw new GatewayError(
    'forbidden',
    `No team has access to the requested model: ${model}. Checked teams=${pythonList(teams.map((t) => t.team_id))}. Check \`/models\` to see all available models.`,
  );
}

function modelOf(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || !('model' in body)) return undefined;
  return typeof body.model === 'string' && body.model !== '' ? body.model : undefined;
}

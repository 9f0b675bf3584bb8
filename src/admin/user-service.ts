/**
 * The /user/* operations (LiteLLM's internal_user_endpoints): creating users with their first
 * key (through the KeyService, the same path as /key/generate), reading, listing, updating and
 * deleting them. Every check runs before the first write, and the request path's cache is told
 * of each change at once.
 */
import { randomUUID } from 'node:crypto';
import type { AuthInvalidation } from '../auth/principal-cache.js';
import type { Principal, ProxyRole } from '../auth/principal.js';
import type { InternalUserDefaults } from '../config/gateway-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { BudgetCalendar } from '../spend/budget-calendar.js';
import { changesBy } from '../store/audited-repositories.js';
import type { Store } from '../store/store.js';
import type { TeamRole } from '../store/team-repository.js';
import type { UserPatch, UserRecord } from '../store/user-repository.js';
import { UniqueViolation } from '../store/unique-violation.js';
import { allUserIds } from './all-users.js';
import { allKeys } from './all-keys.js';
import { isProxyAdmin, readsEverything } from './caller-scope.js';
import { spendTime, withCurrentSpend } from './current-spend.js';
import type { KeyService } from './key-service.js';
import { budgetResetAt } from './key-settings.js';
import { keyObject } from './key-view.js';
import { checkBudget, newUserRecord, withUserDefaults } from './new-user.js';
import type { InvitationService } from './invitation-service.js';
import { hashPassword } from './password-hash.js';
import type { SessionService } from '../sessions/session-service.js';
import { teamView } from './team-view.js';
import {
  NewUserKeySchema,
  type DeleteUsersInput,
  type NewUserInput,
  type NewUserKeyFields,
  type BulkUpdateUsersInput,
  type UpdateUserInput,
  type UserListQuery,
} from './user-schemas.js';
import { userView } from './user-view.js';
import { newMembership } from '../store/team-repository.js';

export interface UserServiceDeps {
  store: Pick<Store, 'users' | 'teams' | 'keys' | 'organizations' | 'auditedBy'>;
  keys: KeyService;
  invalidation: AuthInvalidation;
  defaults: InternalUserDefaults;
  now: () => number;
  /** When budget windows end (the gateway's one calendar). */
  calendar: BudgetCalendar;
  /** `send_invite_email` on /user/new: an invitation link, emailed when SMTP is set. */
  invitations?: Pick<InvitationService, 'inviteNewUser'>;
  /** A password change ends the user's other web UI sessions. */
  sessions?: Pick<SessionService, 'endOthers'>;
}

const ADMIN_ROLES: ReadonlySet<ProxyRole> = new Set(['proxy_admin', 'proxy_admin_viewer']);

/** Settings only a proxy admin may change on a user, its own included. */
const ADMIN_ONLY_FIELDS = [
  'spend',
  'models',
  'max_budget',
  'budget_duration',
  'tpm_limit',
  'rpm_limit',
  'max_parallel_requests',
] as const;

/** UI session keys belong to this team; LiteLLM leaves them out of /user/info. */
const DASHBOARD_TEAM = 'litellm-dashboard';

interface TeamJoin {
  team_id: string;
  role: TeamRole;
  max_budget_in_team: number | null;
}

export class UserService {
  constructor(private readonly deps: UserServiceDeps) {}

  /** `origin`: where the request came to, the base of an invitation link without PROXY_BASE_URL. */
  async create(
    caller: Principal,
    input: NewUserInput,
    origin = '',
  ): Promise<Record<string, unknown>> {
    const organizations = [...new Set(input.organizations ?? [])];
    if (!isProxyAdmin(caller)) await this.requireOrganizationAdmin(caller, organizations);
    const store = changesBy(this.deps.store, caller);
    const now = this.deps.now();
    const settings = withUserDefaults(input, this.deps.defaults);
    if (!isProxyAdmin(caller) && ADMIN_ROLES.has(settings.user_role)) {
      throw new GatewayError(
        'forbidden',
        `Only proxy admins can create administrative users (proxy_admin, proxy_admin_viewer). Attempted to create user with role: ${settings.user_role}. Your role: ${caller.role}`,
      );
    }
    const user = newUserRecord(input.user_id ?? randomUUID(), settings, now, this.deps.calendar);
    if (!isProxyAdmin(caller)) {
      user.models = await this.modelsWithin(organizations, input.models ?? [], user.models);
    }
    if (await store.users.findById(user.user_id)) throw userExists('id', user.user_id);
    if (user.user_email !== null && (await store.users.findByEmail(user.user_email))) {
      throw userExists('email', user.user_email);
    }
    const joins = teamJoins(settings.teams ?? []);
    await this.checkTeamsExist(joins.map((j) => j.team_id));
    await this.checkOrganizationsExist(organizations);
    // The teams the caller names; the operator's default teams (default_internal_user_params) apply.
    if (!isProxyAdmin(caller)) {
      await this.checkTeamsInOrganizations(organizations, teamJoins(input.teams ?? []));
    }
    const passwordHash = input.password ? await hashPassword(input.password) : undefined;

    await this.write(() => store.users.create(user), user);
    let key: Record<string, unknown> | undefined;
    try {
      if (passwordHash) await store.users.setPasswordHash(user.user_id, passwordHash);
      for (const join of joins) {
        await store.teams.addMember(
          newMembership(
            {
              team_id: join.team_id,
              user_id: user.user_id,
              role: join.role,
              max_budget_in_team: join.max_budget_in_team,
            },
            user.created_at,
          ),
        );
      }
      for (const organizationId of organizations) {
        await store.organizations.addMember({
          organization_id: organizationId,
          user_id: user.user_id,
          user_role: 'internal_user',
          spend: 0,
          budget_id: null,
          created_at: user.created_at,
          updated_at: user.created_at,
        });
      }
      if (input.auto_create_key !== false) {
        // An organization admin makes the first key of the user it has just made (checked
        // above), in the first of its organizations: that organization's models and budget
        // hold the key.
        key = await this.deps.keys.generate(
          caller,
          {
            ...keyFields(input),
            ...(!isProxyAdmin(caller) && { organization_id: organizations[0] }),
            user_id: user.user_id,
            models: user.models,
            // The user's budget is the user's: its key adds no budget of its own.
            max_budget: null,
            soft_budget: null,
          },
          undefined,
          { newUser: true },
        );
      }
    } catch (error: unknown) {
      // A refused key (a taken alias, a bad duration) leaves no half-made user behind.
      await store.users.delete([user.user_id]);
      throw error;
    } finally {
      this.deps.invalidation.userChanged(user.user_id);
    }
    const { token: _token, token_id: _tokenId, ...keyResponse } = key ?? {};
    const invitation =
      input.send_invite_email && this.deps.invitations
        ? await this.deps.invitations.inviteNewUser(caller, user, origin)
        : {};
    return {
      ...keyResponse,
      ...invitation,
      ...userView(
        user,
        joins.map((j) => j.team_id),
        spendTime(this.deps),
      ),
      key: key?.key ?? null,
    };
  }

  async info(caller: Principal, requested: string | undefined): Promise<Record<string, unknown>> {
    const { store } = this.deps;
    const { userId, scope } = await this.readableUser(caller, requested);
    const user = await store.users.findById(userId);
    if (!user) {
      // The master key (or an admin without a user row) asking about itself: every team, no row.
      if (requested === undefined && isProxyAdmin(caller)) {
        return { user_id: userId, user_info: null, keys: [], teams: await this.teamViews() };
      }
      throw new GatewayError('not_found', `User ${userId} not found`, { param: 'user_id' });
    }
    const memberships = await store.teams.membershipsOf({ userIds: [userId] });
    const teamIds = memberships.map((m) => m.team_id);
    const teams = await store.teams.findByIds(teamIds);
    const aliases = new Map(teams.map((t) => [t.team_id, t.team_alias]));
    const at = spendTime(this.deps);
    const keys = (await allKeys(store.keys, { userId }))
      .filter((k) => k.team_id !== DASHBOARD_TEAM)
      // A team admin sees the member's keys for the teams it runs, not its other keys.
      .filter((k) => scope === 'all' || (k.team_id !== null && scope.has(k.team_id)))
      .map((k) => ({
        ...keyObject(k, at),
        team_alias: k.team_id ? (aliases.get(k.team_id) ?? null) : null,
      }));
    return {
      user_id: userId,
      user_info: userView(user, teamIds, at),
      keys,
      teams: await this.teamViews(teamIds),
    };
  }

  /**
   * `POST /user/bulk_update`: each update on its own (one that fails does not stop the others),
   * for the users named or, with `all_users`, every user a page at a time.
   */
  async bulkUpdate(
    caller: Principal,
    input: BulkUpdateUsersInput,
  ): Promise<Record<string, unknown>> {
    if (!isProxyAdmin(caller)) {
      throw new GatewayError('forbidden', 'Only proxy admins can perform bulk user updates');
    }
    const updates: UpdateUserInput[] = [];
    if (input.users !== undefined) updates.push(...input.users);
    else if (input.user_updates !== undefined) {
      const ids = await allUserIds(this.deps.store.users, { sortBy: 'user_id', order: 'asc' });
      for (const user_id of ids) updates.push({ ...input.user_updates, user_id });
    }
    const results: Record<string, unknown>[] = [];
    let successful = 0;
    for (const update of updates) {
      const who = { user_id: update.user_id ?? null, user_email: update.user_email ?? null };
      try {
        const updated = await this.update(caller, update);
        results.push({ ...who, success: true, error: null, updated_user: updated });
        successful += 1;
      } catch (error: unknown) {
        if (!(error instanceof GatewayError)) throw error;
        results.push({ ...who, success: false, error: error.message, updated_user: null });
      }
    }
    return {
      results,
      total_requested: updates.length,
      successful_updates: successful,
      failed_updates: updates.length - successful,
    };
  }

  /**
   * `/v2/user/info`: the user's own columns and its team ids, flat (no keys), for the same
   * callers as `/user/info`.
   */
  async infoV2(caller: Principal, requested: string | undefined): Promise<Record<string, unknown>> {
    const { userId } = await this.readableUser(caller, requested);
    const user = await this.deps.store.users.findById(userId);
    if (!user) {
      throw new GatewayError('not_found', `User not found: ${userId}`, { param: 'user_id' });
    }
    const current = withCurrentSpend(user, spendTime(this.deps));
    return {
      user_id: current.user_id,
      user_email: current.user_email,
      user_alias: current.user_alias,
      user_role: current.user_role,
      spend: current.spend,
      max_budget: current.max_budget,
      models: current.models,
      budget_duration: current.budget_duration,
      budget_reset_at: current.budget_reset_at,
      metadata: current.metadata,
      created_at: current.created_at,
      updated_at: current.updated_at,
      sso_user_id: current.sso_user_id,
      teams: await this.deps.store.teams.teamIdsOf(userId),
    };
  }

  async list(caller: Principal, query: UserListQuery): Promise<Record<string, unknown>> {
    const { store } = this.deps;
    const csv = (text: string | undefined) =>
      text
        ?.split(',')
        .map((id) => id.trim())
        .filter((id) => id !== '');
    const userIds = csv(query.user_ids);
    let organizationIds = csv(query.organization_ids);
    if (!readsEverything(caller)) {
      // Organization admins list the members of the organizations they administer.
      const administered =
        caller.userId === undefined
          ? []
          : (await store.organizations.membershipsOf(caller.userId))
              .filter((m) => m.user_role === 'org_admin')
              .map((m) => m.organization_id);
      const outside = organizationIds?.filter((id) => !administered.includes(id)) ?? [];
      if (administered.length === 0 || outside.length > 0) {
        throw new GatewayError(
          'forbidden',
          'Only proxy admins and organization admins can list users.',
        );
      }
      organizationIds ??= administered;
    }
    const page = await store.users.list({
      page: query.page,
      size: query.page_size,
      sortBy: query.sort_by ?? 'created_at',
      order: query.sort_order ?? (query.sort_by ? 'asc' : 'desc'),
      role: query.role,
      userIds,
      email: query.user_email,
      teamId: query.team,
      organizationIds,
    });
    const memberships = await store.teams.membershipsOf({
      userIds: page.users.map((u) => u.user_id),
    });
    return {
      users: page.users.map(({ key_count, ...user }) => ({
        ...userView(
          user,
          memberships.filter((m) => m.user_id === user.user_id).map((m) => m.team_id),
          spendTime(this.deps),
        ),
        key_count,
      })),
      total: page.total,
      page: query.page,
      page_size: query.page_size,
      total_pages: Math.ceil(page.total / query.page_size),
    };
  }

  async update(caller: Principal, input: UpdateUserInput): Promise<Record<string, unknown>> {
    const store = changesBy(this.deps.store, caller);
    if (!isProxyAdmin(caller)) this.checkSelfUpdate(caller, input);
    const existing = input.user_id
      ? await store.users.findById(input.user_id)
      : await store.users.findByEmail(input.user_email ?? '');
    if (!isProxyAdmin(caller) && existing?.user_id !== caller.userId) throw notOwnUser();
    if (!existing) {
      throw new GatewayError(
        'not_found',
        `User not found, passed user_id=${input.user_id ?? input.user_email ?? 'None'}`,
        { param: 'user_id' },
      );
    }
    const patch = this.userPatch(input);
    if (patch.user_email) {
      const holder = await store.users.findByEmail(patch.user_email);
      if (holder && holder.user_id !== existing.user_id)
        throw userExists('email', patch.user_email);
    }
    const passwordHash = input.password ? await hashPassword(input.password) : undefined;
    const updated = await this.write(
      () =>
        store.users.update(existing.user_id, {
          ...patch,
          updated_at: new Date(this.deps.now()).toISOString(),
        }),
      { ...existing, ...patch },
    );
    if (!updated)
      throw new GatewayError('not_found', `User not found, passed user_id=${existing.user_id}`);
    if (passwordHash) {
      await store.users.setPasswordHash(existing.user_id, passwordHash);
      // The session that made the change (the user's own) stays; every other one ends.
      await this.deps.sessions?.endOthers(existing.user_id, caller.session?.idHash);
    }
    this.deps.invalidation.userChanged(existing.user_id);
    const memberships = await store.teams.membershipsOf({ userIds: [existing.user_id] });
    return userView(
      updated,
      memberships.map((m) => m.team_id),
      spendTime(this.deps),
    );
  }

  async delete(caller: Principal, input: DeleteUsersInput): Promise<Record<string, unknown>> {
    const store = changesBy(this.deps.store, caller);
    const ids = [...new Set(input.user_ids)];
    const found = new Set((await store.users.findByIds(ids)).map((u) => u.user_id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new GatewayError('not_found', `User not found, passed user_id=${missing.join(', ')}`, {
        param: 'user_ids',
      });
    }
    const tokens = await store.users.delete(ids);
    for (const token of tokens) this.deps.invalidation.keyChanged(token);
    for (const id of ids) this.deps.invalidation.userChanged(id);
    return { deleted_users: ids, deleted_keys: tokens.length };
  }

  /** What a user who is not a proxy admin may change about itself. */
  private checkSelfUpdate(caller: Principal, input: UpdateUserInput): void {
    if (input.user_role !== undefined && input.user_role !== null) {
      throw new GatewayError('forbidden', 'Only proxy admins can modify user roles.', {
        param: 'user_role',
      });
    }
    if (input.user_id && input.user_id !== caller.userId) throw notOwnUser();
    for (const field of ADMIN_ONLY_FIELDS) {
      if (input[field] !== undefined) {
        throw new GatewayError('forbidden', `Only proxy admins can modify ${field}.`, {
          param: field,
        });
      }
    }
  }

  /** The columns an update names; `null` clears a setting. */
  private userPatch(input: UpdateUserInput): UserPatch {
    const patch: UserPatch = {};
    checkBudget('max_budget', input.max_budget);
    if (input.user_id && input.user_email !== undefined) patch.user_email = input.user_email;
    if (input.user_alias !== undefined) patch.user_alias = input.user_alias;
    if (input.user_role) patch.user_role = input.user_role;
    if (input.sso_user_id !== undefined) patch.sso_user_id = input.sso_user_id;
    if (input.models !== undefined) patch.models = input.models ?? [];
    if (input.metadata !== undefined) patch.metadata = input.metadata ?? {};
    if (input.spend !== undefined) patch.spend = input.spend ?? 0;
    for (const field of [
      'max_budget',
      'tpm_limit',
      'rpm_limit',
      'max_parallel_requests',
    ] as const) {
      if (input[field] !== undefined) patch[field] = input[field];
    }
    if (input.budget_duration !== undefined) {
      const duration = input.budget_duration;
      patch.budget_duration = duration;
      patch.budget_reset_at = budgetResetAt(duration, this.deps.now(), this.deps.calendar);
    }
    return patch;
  }

  /**
   * What of another user the caller may read: everything (admins and viewers), the member's
   * keys of the teams the caller is an admin of (a team admin), or nothing.
   */
  /**
   * The user a `/user/info` asks about (none named: the caller's own), and what of it the caller
   * may read; refused when nothing.
   */
  private async readableUser(
    caller: Principal,
    requested: string | undefined,
  ): Promise<{ userId: string; scope: 'all' | ReadonlySet<string> }> {
    const userId = requested ?? caller.userId;
    if (userId === undefined) {
      throw new GatewayError(
        'validation_error',
        'user_id: required when the key belongs to no user',
        { param: 'user_id' },
      );
    }
    const scope = userId === caller.userId ? 'all' : await this.readScope(caller, userId);
    if (scope === 'none') {
      throw new GatewayError(
        'forbidden',
        `key not allowed to access this user's info. user_id=${userId}, key's user_id=${caller.userId ?? 'None'}`,
      );
    }
    return { userId, scope };
  }

  private async readScope(
    caller: Principal,
    userId: string,
  ): Promise<'all' | 'none' | ReadonlySet<string>> {
    if (readsEverything(caller)) return 'all';
    if (caller.userId === undefined) return 'none';
    const admin = caller.userId;
    const rows = await this.deps.store.teams.membershipsOf({ userIds: [userId, admin] });
    const adminOf = new Set(
      rows.filter((m) => m.user_id === admin && m.role === 'admin').map((m) => m.team_id),
    );
    const shared = new Set(
      rows.filter((m) => m.user_id === userId && adminOf.has(m.team_id)).map((m) => m.team_id),
    );
    return shared.size > 0 ? shared : 'none';
  }

  private async checkOrganizationsExist(organizationIds: readonly string[]): Promise<void> {
    for (const organizationId of organizationIds) {
      if (!(await this.deps.store.organizations.findById(organizationId))) {
        throw new GatewayError(
          'bad_request',
          `Organization id=${organizationId} does not exist in db`,
          { param: 'organizations' },
        );
      }
    }
  }

  /**
   * Who is not a proxy admin may make a user only as an `org_admin` of every organization the
   * user joins (at least one); anyone else gets LiteLLM's refusal of the route, word for word.
   */
  private async requireOrganizationAdmin(
    caller: Principal,
    organizationIds: readonly string[],
  ): Promise<void> {
    let admin = organizationIds.length > 0 && caller.userId !== undefined;
    for (const organizationId of organizationIds) {
      if (!admin) break;
      const member = await this.deps.store.organizations.findMember(organizationId, caller.userId!);
      admin = member?.user_role === 'org_admin';
    }
    if (!admin) {
      throw new GatewayError(
        'route_not_allowed_for_role',
        `Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=/user/new. Your role=${caller.role}. Your user_id=${caller.userId ?? 'None'}`,
      );
    }
  }

  /**
   * The models a user made by an organization admin may use: those asked for, each within the
   * models of its organizations; none asked for are the organizations' own. An organization that
   * lists no models allows them all: the user then keeps `otherwise` (what the request and the
   * operator's defaults give it).
   */
  private async modelsWithin(
    organizationIds: readonly string[],
    requested: readonly string[],
    otherwise: string[],
  ): Promise<string[]> {
    const allowed = new Set<string>();
    for (const organizationId of organizationIds) {
      const organization = await this.deps.store.organizations.findById(organizationId);
      if (!organization || organization.models.length === 0) return otherwise;
      for (const model of organization.models) allowed.add(model);
    }
    if (requested.length === 0) return [...allowed];
    const outside = requested.find((m) => !allowed.has(m));
    if (outside !== undefined) {
      throw new GatewayError(
        'forbidden',
        `Organization admins can give a new user only the models of its organizations. Model=${outside} is not in ${[...allowed].join(', ')}`,
        { param: 'models' },
      );
    }
    return [...requested];
  }

  /** An organization admin puts a new user only in teams of the organizations it joins. */
  private async checkTeamsInOrganizations(
    organizationIds: readonly string[],
    joins: readonly TeamJoin[],
  ): Promise<void> {
    const allowed = new Set(organizationIds);
    for (const team of await this.deps.store.teams.findByIds(joins.map((j) => j.team_id))) {
      if (team.organization_id === null || !allowed.has(team.organization_id)) {
        throw new GatewayError(
          'forbidden',
          `Organization admins can add a new user only to teams of the organizations it joins. Team id=${team.team_id} is not in ${organizationIds.join(', ')}`,
          { param: 'teams' },
        );
      }
    }
  }

  private async checkTeamsExist(teamIds: readonly string[]): Promise<void> {
    const found = new Set((await this.deps.store.teams.findByIds(teamIds)).map((t) => t.team_id));
    const missing = teamIds.find((id) => !found.has(id));
    if (missing !== undefined) {
      throw new GatewayError('bad_request', `Team id=${missing} does not exist in db`, {
        param: 'teams',
      });
    }
  }

  private async teamViews(teamIds?: readonly string[]): Promise<Record<string, unknown>[]> {
    const { teams, users } = this.deps.store;
    const rows = await teams.list(teamIds === undefined ? {} : { teamIds });
    const members = await teams.membershipsOf({ teamIds: rows.map((t) => t.team_id) });
    const people = new Map(
      (await users.findByIds([...new Set(members.map((m) => m.user_id))])).map((u) => [
        u.user_id,
        u,
      ]),
    );
    const at = spendTime(this.deps);
    return rows.map((t) =>
      teamView(
        t,
        members.filter((m) => m.team_id === t.team_id),
        people,
        at,
      ),
    );
  }

  /** Runs a write; a duplicate that slipped past the checks gets the same message they give. */
  private async write<T>(
    run: () => Promise<T>,
    user: Pick<UserRecord, 'user_id' | 'user_email'>,
  ): Promise<T> {
    try {
      return await run();
    } catch (error: unknown) {
      if (!(error instanceof UniqueViolation)) throw error;
      if (error.column === 'user_email_lower') throw userExists('email', user.user_email ?? '');
      throw userExists('id', user.user_id);
    }
  }
}

function userExists(what: 'id' | 'email', value: string): GatewayError {
  return new GatewayError('conflict', `User with ${what} ${value} already exists`, {
    param: what === 'id' ? 'user_id' : 'user_email',
  });
}

function notOwnUser(): GatewayError {
  return new GatewayError(
    'forbidden',
    'User does not have permission to update this user. Only PROXY_ADMIN can update other users.',
    { param: 'user_id' },
  );
}

/** `teams` as ids or objects → one join per team (the first mention wins). */
function teamJoins(teams: NonNullable<NewUserInput['teams']>): TeamJoin[] {
  const joins = new Map<string, TeamJoin>();
  for (const team of teams) {
    const join: TeamJoin =
      typeof team === 'string'
        ? { team_id: team, role: 'user', max_budget_in_team: null }
        : {
            team_id: team.team_id,
            role: team.user_role ?? 'user',
            max_budget_in_team: team.max_budget_in_team ?? null,
          };
    if (!joins.has(join.team_id)) joins.set(join.team_id, join);
  }
  return [...joins.values()];
}

/** The settings of the user's first key that the request gave (only those present). */
function keyFields(input: NewUserInput): NewUserKeyFields {
  const fields: Record<string, unknown> = {};
  for (const name of Object.keys(NewUserKeySchema.shape) as (keyof NewUserKeyFields)[]) {
    if (input[name] !== undefined) fields[name] = input[name];
  }
  return fields as NewUserKeyFields;
}

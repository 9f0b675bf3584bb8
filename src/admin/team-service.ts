/**
 * The /team/* operations (LiteLLM's team_endpoints): teams, their members and their settings.
 * Proxy admins manage every team; a team's `admin` members manage its members and its alias,
 * metadata and model aliases. Every check runs before the first write, and the request path's
 * cache is told of each change at once.
 */
import { randomUUID } from 'node:crypto';
import type { AuthInvalidation } from '../auth/principal-cache.js';
import type { Principal } from '../auth/principal.js';
import type { InternalUserDefaults } from '../config/gateway-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { BudgetCalendar } from '../spend/budget-calendar.js';
import { changesBy } from '../store/audited-repositories.js';
import type { Store } from '../store/store.js';
import {
  NO_MEMBER_DEFAULTS,
  newMembership,
  type TeamMemberPatch,
  type TeamMemberRecord,
  type TeamPatch,
  type TeamRecord,
} from '../store/team-repository.js';
import { UniqueViolation } from '../store/unique-violation.js';
import { pythonList } from '../util/python-list.js';
import { allKeys } from './all-keys.js';
import { allUserIds } from './all-users.js';
import { isProxyAdmin, isTeamAdmin, readsEverything } from './caller-scope.js';
import { spendTime } from './current-spend.js';
import { budgetResetAt, toInstant } from './key-settings.js';
import { keyObject } from './key-view.js';
import { checkBudget } from './new-user.js';
import { resolveMembers, storeNewUsers, type MemberRef } from './team-members.js';
import type {
  DeleteTeamsInput,
  TeamModelsInput,
  BulkMemberAddInput,
  MemberAddInput,
  MemberInput,
  MemberDeleteInput,
  MemberUpdateInput,
  NewTeamInput,
  TeamFields,
  TeamListQuery,
  TeamPageQuery,
  UpdateTeamInput,
} from './team-schemas.js';
import { BULK_MEMBERS_MAX } from './team-schemas.js';
import { membershipView, teamView } from './team-view.js';
import { userView } from './user-view.js';
import { metadataWithModelLimits, refuseGuardrailChange } from './metadata-fields.js';

export interface TeamServiceDeps {
  store: Pick<Store, 'teams' | 'users' | 'keys' | 'organizations' | 'auditedBy'>;
  invalidation: AuthInvalidation;
  defaults: InternalUserDefaults;
  now: () => number;
  /** When budget windows end (the gateway's one calendar). */
  calendar: BudgetCalendar;
}

/** Team settings only a proxy admin gives, also when an organization admin creates the team. */
const PROXY_ADMIN_TEAM_FIELDS = [
  'blocked',
  'model_rpm_limit',
  'model_tpm_limit',
  'team_member_budget',
  'team_member_budget_duration',
  'team_member_rpm_limit',
  'team_member_tpm_limit',
  'team_member_key_duration',
] as const;

/** What a team admin may change with /team/update; the rest is the proxy admin's. */
const TEAM_ADMIN_FIELDS: ReadonlySet<string> = new Set([
  'team_id',
  'team_alias',
  'metadata',
  'model_aliases',
]);

/** The organization LiteLLM files teams without one under. */
const DEFAULT_ORGANIZATION = 'default_organization';

export class TeamService {
  constructor(private readonly deps: TeamServiceDeps) {}

  async create(caller: Principal, input: NewTeamInput): Promise<Record<string, unknown>> {
    if (!isProxyAdmin(caller)) {
      await this.checkOrganizationAdmin(caller, input.organization_id);
      // What only a proxy admin sets on a team (as /team/update refuses it to team admins).
      const field = PROXY_ADMIN_TEAM_FIELDS.find(
        (f) => input[f as keyof NewTeamInput] !== undefined,
      );
      if (field !== undefined) {
        throw new GatewayError(
          'forbidden',
          `Only proxy admins can set ${field} of a team. Organization admins can set: team_alias, models, metadata, model_aliases, max_budget, budget_duration, tpm_limit, rpm_limit, max_parallel_requests, members`,
          { param: field },
        );
      }
    }
    const store = changesBy(this.deps.store, caller);
    const now = this.deps.now();
    const teamId = input.team_id ?? randomUUID();
    if (await store.teams.findById(teamId)) throw teamExists(teamId);
    const refs: MemberRef[] = [
      ...(input.members_with_roles ?? []),
      ...(input.admins ?? []).map((user_id) => ({ user_id, role: 'admin' as const })),
      ...(input.members ?? []).map((user_id) => ({ user_id, role: 'user' as const })),
    ];
    // The user who creates a team (not the master key) becomes its admin.
    const creator = caller.kind === 'virtual_key' ? caller.userId : undefined;
    if (creator !== undefined && !refs.some((r) => r.user_id === creator)) {
      refs.push({ user_id: creator, role: 'admin' });
    }
    const at = new Date(now).toISOString();
    const team: TeamRecord = {
      team_id: teamId,
      team_alias: null,
      organization_id: null,
      metadata: {},
      models: [],
      model_aliases: {},
      spend: 0,
      max_budget: null,
      soft_budget: null,
      budget_duration: null,
      budget_reset_at: null,
      tpm_limit: null,
      rpm_limit: null,
      max_parallel_requests: null,
      blocked: false,
      ...NO_MEMBER_DEFAULTS,
      ...(await this.checkOrganization(input)),
      ...this.settings(input, now),
      created_at: at,
      updated_at: at,
    };
    refuseGuardrailChange(isProxyAdmin(caller), 'team', team.metadata);
    const members = await resolveMembers(store.users, refs, {
      defaults: this.deps.defaults,
      now,
      calendar: this.deps.calendar,
    });

    try {
      await store.teams.create(team);
    } catch (error: unknown) {
      if (error instanceof UniqueViolation) throw teamExists(teamId);
      throw error;
    }
    await storeNewUsers(store.users, members);
    for (const m of members) {
      const member = { team_id: teamId, user_id: m.user.user_id, role: m.role };
      await store.teams.addMember(newMembership({ ...member, max_budget_in_team: null }, at));
      this.deps.invalidation.userChanged(m.user.user_id);
    }
    this.deps.invalidation.teamChanged(teamId);
    return this.view(team);
  }

  async info(caller: Principal, teamId: string | undefined): Promise<Record<string, unknown>> {
    if (!teamId) {
      throw new GatewayError('validation_error', 'Malformed request. No team id passed in.', {
        param: 'team_id',
      });
    }
    const { store } = this.deps;
    const team = await store.teams.findById(teamId);
    if (!team) {
      throw new GatewayError('not_found', `Team not found, passed team id: ${teamId}.`, {
        param: 'team_id',
      });
    }
    if (!(await this.mayRead(caller, teamId))) {
      throw new GatewayError(
        'forbidden',
        `User=${caller.userId ?? 'None'} not authorized to access this team=${teamId}`,
      );
    }
    const members = await store.teams.membersOf(teamId);
    return {
      team_id: teamId,
      team_info: await this.view(team, members),
      keys: await this.liveKeysOf(teamId),
      team_memberships: members.map((m) => membershipView(m, team, spendTime(this.deps))),
    };
  }

  async list(caller: Principal, query: TeamListQuery): Promise<Record<string, unknown>[]> {
    const { store } = this.deps;
    const teamIds = await this.visibleTeamIds(caller, query.user_id);
    const organization = query.organization_id;
    const teams = await store.teams.list({
      teamIds,
      organizationId: organization === DEFAULT_ORGANIZATION ? null : organization,
    });
    const members = await store.teams.membershipsOf({ teamIds: teams.map((t) => t.team_id) });
    const users = await this.usersOf(members);
    const out: Record<string, unknown>[] = [];
    for (const team of teams) {
      const own = members.filter((m) => m.team_id === team.team_id);
      out.push({
        ...teamView(team, own, users, spendTime(this.deps)),
        keys: await this.liveKeysOf(team.team_id),
        team_memberships: own.map((m) => membershipView(m, team, spendTime(this.deps))),
      });
    }
    return out;
  }

  async update(caller: Principal, input: UpdateTeamInput): Promise<Record<string, unknown>> {
    if (!input.team_id) {
      throw new GatewayError('bad_request', 'No team id passed in', { param: 'team_id' });
    }
    const team = await this.existingTeam(input.team_id);
    await this.checkManager(caller, team.team_id, '/team/update');
    if (!isProxyAdmin(caller)) {
      const field = Object.keys(input).find(
        (f) => !TEAM_ADMIN_FIELDS.has(f) && input[f as keyof UpdateTeamInput] !== undefined,
      );
      if (field !== undefined) {
        throw new GatewayError(
          'forbidden',
          `Only proxy admins can update ${field} of a team. Team admins can update: team_alias, metadata, model_aliases`,
          { param: field },
        );
      }
    }
    const settings = {
      ...(await this.checkOrganization(input, team)),
      ...this.settings(input, this.deps.now(), team),
    };
    refuseGuardrailChange(isProxyAdmin(caller), 'team', settings.metadata, team.metadata);
    const updated = await this.patchTeam(caller, team.team_id, settings);
    return { team_id: team.team_id, data: await this.view(updated) };
  }

  /**
   * `POST /team/model/add`: models join the team's list. Proxy admins only: a team admin adding
   * models would grant its team what it was not given (a deliberate difference from LiteLLM).
   */
  async addModels(caller: Principal, input: TeamModelsInput): Promise<Record<string, unknown>> {
    const team = await this.existingTeam(input.team_id);
    await this.checkManager(caller, team.team_id, '/team/model/add');
    if (!isProxyAdmin(caller)) {
      throw new GatewayError(
        'forbidden',
        'Only proxy admins can add models to a team. Team admins can remove them (/team/model/delete)',
        { param: 'models' },
      );
    }
    if (team.models.length === 0) {
      throw new GatewayError(
        'bad_request',
        `Team ${team.team_id} can use every model already (its models list is empty); list the models it should have with /team/update`,
        { param: 'models' },
      );
    }
    const models = [...new Set([...team.models, ...input.models])];
    return this.setModels(caller, team, models);
  }

  /**
   * `POST /team/model/delete`: models leave the team's list, for proxy admins and the team's
   * admins. The last one cannot go: an empty list means every model.
   */
  async deleteModels(caller: Principal, input: TeamModelsInput): Promise<Record<string, unknown>> {
    const team = await this.existingTeam(input.team_id);
    await this.checkManager(caller, team.team_id, '/team/model/delete');
    const removed = new Set(input.models);
    const models = team.models.filter((m) => !removed.has(m));
    if (models.length === 0) {
      throw new GatewayError(
        'bad_request',
        team.models.length === 0
          ? `Team ${team.team_id} lists no models (it can use every model): there is none to remove`
          : `Removing ${input.models.join(', ')} would leave team ${team.team_id} no models, which means every model; block the team or delete it instead`,
        { param: 'models' },
      );
    }
    return this.setModels(caller, team, models);
  }

  private async setModels(
    caller: Principal,
    team: TeamRecord,
    models: string[],
  ): Promise<Record<string, unknown>> {
    const input: UpdateTeamInput = {
      team_id: team.team_id,
      models,
      max_budget: undefined,
      soft_budget: undefined,
      team_member_budget: undefined,
    };
    const settings = {
      ...(await this.checkOrganization(input, team)),
      ...this.settings(input, this.deps.now(), team),
    };
    const updated = await this.patchTeam(caller, team.team_id, settings);
    return this.view(updated);
  }

  async delete(caller: Principal, input: DeleteTeamsInput): Promise<Record<string, unknown>> {
    const store = changesBy(this.deps.store, caller);
    const ids = [...new Set(input.team_ids)];
    const found = new Set((await store.teams.findByIds(ids)).map((t) => t.team_id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new GatewayError('not_found', `Team not found, passed team_id=${missing.join(', ')}`, {
        param: 'team_ids',
      });
    }
    const members = await store.teams.membershipsOf({ teamIds: ids });
    const tokens = await store.teams.delete(ids);
    for (const token of tokens) this.deps.invalidation.keyChanged(token);
    for (const id of ids) this.deps.invalidation.teamChanged(id);
    for (const m of members) this.deps.invalidation.userChanged(m.user_id);
    return { deleted_teams: ids, deleted_keys: tokens.length };
  }

  async setBlocked(
    caller: Principal,
    teamId: string,
    blocked: boolean,
  ): Promise<Record<string, unknown>> {
    const team = await this.existingTeam(teamId);
    return this.view(await this.patchTeam(caller, team.team_id, { blocked }));
  }

  async addMembers(caller: Principal, input: MemberAddInput): Promise<Record<string, unknown>> {
    const store = changesBy(this.deps.store, caller);
    const team = await store.teams.findById(input.team_id);
    if (!team) {
      throw new GatewayError(
        'not_found',
        `Team doesn't exist in db. Team=${input.team_id}. Create team via \`/team/new\` call.`,
        { param: 'team_id' },
      );
    }
    const single = !Array.isArray(input.member);
    const refs = Array.isArray(input.member) ? input.member : [input.member];
    if (!this.joinsOnItsOwn(caller, team.team_id, refs)) {
      await this.checkManager(caller, team.team_id, '/team/member_add');
    }
    const now = this.deps.now();
    const resolved = await resolveMembers(store.users, refs, {
      defaults: this.deps.defaults,
      now,
      calendar: this.deps.calendar,
    });
    const existing = await store.teams.membersOf(team.team_id);
    const inTeam = new Set(existing.map((m) => m.user_id));
    const fresh = resolved.filter((m) => !inTeam.has(m.user.user_id));
    if (fresh.length === 0) {
      const first = resolved[0]?.user;
      const members = pythonList(existing.map((m) => m.user_id));
      throw new GatewayError(
        'team_member_already_in_team',
        single
          ? `User already in team. Member: user_id=${first?.user_id ?? 'None'}, user_email=${first?.user_email ?? 'None'}. Existing members=${members}`
          : `All users are already in team. Existing members=${members}`,
        { param: 'member' },
      );
    }
    const at = new Date(now).toISOString();
    await storeNewUsers(store.users, fresh);
    const added: TeamMemberRecord[] = [];
    for (const m of fresh) {
      const member = newMembership(
        {
          team_id: team.team_id,
          user_id: m.user.user_id,
          role: m.role,
          max_budget_in_team: input.max_budget_in_team ?? null,
        },
        at,
      );
      try {
        await store.teams.addMember(member);
      } catch (error: unknown) {
        // Added by a concurrent request in the meantime: it is in the team, as asked.
        if (!(error instanceof UniqueViolation)) throw error;
      }
      added.push(member);
      this.deps.invalidation.userChanged(m.user.user_id);
    }
    this.deps.invalidation.teamChanged(team.team_id);
    const memberships = await store.teams.membershipsOf({
      userIds: fresh.map((m) => m.user.user_id),
    });
    return {
      ...(await this.view(team)),
      updated_users: fresh.map((m) =>
        userView(
          m.user,
          memberships.filter((x) => x.user_id === m.user.user_id).map((x) => x.team_id),
          spendTime(this.deps),
        ),
      ),
      updated_team_memberships: added.map((m) => membershipView(m, team, spendTime(this.deps))),
    };
  }

  /**
   * `/team/bulk_member_add`: each member added on its own, as `/team/member_add` adds one, so one
   * already in the team or not allowed does not stop the others; `all_users` (proxy admins only)
   * names every user of the gateway. Refusals of the whole call (no such team, a caller who does
   * not manage it) answer with their status.
   */
  async bulkAddMembers(
    caller: Principal,
    input: BulkMemberAddInput,
  ): Promise<Record<string, unknown>> {
    const team = await this.existingTeam(input.team_id);
    await this.checkManager(caller, team.team_id, '/team/bulk_member_add');
    let members: MemberInput[] = input.members ?? [];
    if (input.all_users === true) {
      if (!isProxyAdmin(caller)) {
        throw new GatewayError('forbidden', 'Only proxy admins can add all users to a team', {
          param: 'all_users',
        });
      }
      const ids = await allUserIds(
        this.deps.store.users,
        { sortBy: 'created_at', order: 'desc' },
        BULK_MEMBERS_MAX,
      );
      members = ids.map((user_id) => ({ user_id, role: 'user' }));
    }
    if (members.length === 0) {
      throw new GatewayError('bad_request', 'At least one member is required', {
        param: 'members',
      });
    }
    if (members.length > BULK_MEMBERS_MAX) {
      throw new GatewayError(
        'bad_request',
        `Maximum ${BULK_MEMBERS_MAX} members can be added at once`,
        { param: 'members' },
      );
    }
    const results: Record<string, unknown>[] = [];
    let successful = 0;
    for (const member of members) {
      const who = { user_id: member.user_id ?? null, user_email: member.user_email ?? null };
      try {
        const added = await this.addMembers(caller, {
          team_id: team.team_id,
          member,
          max_budget_in_team: input.max_budget_in_team,
        });
        results.push({
          ...who,
          success: true,
          error: null,
          updated_user: (added.updated_users as unknown[])[0] ?? null,
          updated_team_membership: (added.updated_team_memberships as unknown[])[0] ?? null,
        });
        successful += 1;
      } catch (error: unknown) {
        if (!(error instanceof GatewayError)) throw error;
        results.push({
          ...who,
          success: false,
          error: error.message,
          updated_user: null,
          updated_team_membership: null,
        });
      }
    }
    return {
      team_id: team.team_id,
      results,
      total_requested: members.length,
      successful_additions: successful,
      failed_additions: members.length - successful,
      updated_team: successful > 0 ? await this.view(await this.existingTeam(team.team_id)) : null,
    };
  }

  /**
   * `GET /team/available`: the teams of `default_internal_user_params.available_teams` that the
   * caller's user is not in yet, which it may join on its own with `/team/member_add`.
   */
  async available(caller: Principal): Promise<Record<string, unknown>[]> {
    const open = this.deps.defaults.params.available_teams;
    if (open === undefined) {
      throw new GatewayError(
        'bad_request',
        'No available teams for user to join. Set ' +
          'litellm_settings.default_internal_user_params.available_teams to the teams users may join.',
      );
    }
    const user =
      caller.userId === undefined ? undefined : await this.deps.store.users.findById(caller.userId);
    if (!user) throw new GatewayError('not_found', 'User not found');
    const joined = new Set(
      (await this.deps.store.teams.membershipsOf({ userIds: [user.user_id] })).map(
        (m) => m.team_id,
      ),
    );
    const teams = await this.deps.store.teams.findByIds(open.filter((id) => !joined.has(id)));
    const out: Record<string, unknown>[] = [];
    for (const team of teams) out.push(await this.view(team));
    return out;
  }

  /**
   * Whether `refs` are the caller itself joining, as a `user`, one of the teams users may join
   * on their own (`default_internal_user_params.available_teams`). Nobody adds another this way.
   */
  private joinsOnItsOwn(caller: Principal, teamId: string, refs: readonly MemberInput[]): boolean {
    const open = this.deps.defaults.params.available_teams;
    const user = caller.user;
    if (open === undefined || !open.includes(teamId) || user === undefined) return false;
    const email = user.user_email?.toLowerCase();
    return refs.every(
      (ref) =>
        (ref.role ?? 'user') === 'user' &&
        (ref.user_id
          ? ref.user_id === user.user_id
          : email !== undefined && ref.user_email?.toLowerCase() === email),
    );
  }

  async removeMember(
    caller: Principal,
    input: MemberDeleteInput,
  ): Promise<Record<string, unknown>> {
    const { team, member } = await this.existingMember(caller, input, '/team/member_delete');
    const teams = changesBy(this.deps.store, caller).teams;
    const tokens = await teams.removeMember(team.team_id, member.user_id);
    for (const token of tokens) this.deps.invalidation.keyChanged(token);
    this.deps.invalidation.userChanged(member.user_id);
    this.deps.invalidation.teamChanged(team.team_id);
    return this.view(team);
  }

  async updateMember(
    caller: Principal,
    input: MemberUpdateInput,
  ): Promise<Record<string, unknown>> {
    const { team, member } = await this.existingMember(caller, input, '/team/member_update');
    const patch: TeamMemberPatch = {};
    if (input.role) patch.role = input.role;
    for (const field of ['max_budget_in_team', 'tpm_limit', 'rpm_limit'] as const) {
      if (input[field] !== undefined) patch[field] = input[field];
    }
    if (input.budget_duration !== undefined) {
      // The member's own window starts now; without one, the team's duration counts windows
      // from the membership's start.
      patch.budget_duration = input.budget_duration;
      patch.budget_reset_at = budgetResetAt(
        input.budget_duration,
        this.deps.now(),
        this.deps.calendar,
      );
    }
    const updated =
      (await changesBy(this.deps.store, caller).teams.updateMember(
        team.team_id,
        member.user_id,
        patch,
      )) ?? member;
    this.deps.invalidation.userChanged(member.user_id);
    this.deps.invalidation.teamChanged(team.team_id);
    const user = await this.deps.store.users.findById(member.user_id);
    return {
      team_id: team.team_id,
      user_id: member.user_id,
      user_email: user?.user_email ?? null,
      role: updated.role,
      max_budget_in_team: updated.max_budget_in_team,
      budget_duration: updated.budget_duration,
      tpm_limit: updated.tpm_limit,
      rpm_limit: updated.rpm_limit,
    };
  }

  /** The team and the membership a member_delete / member_update names, after the checks. */
  private async existingMember(
    caller: Principal,
    input: { team_id: string; user_id?: string | null; user_email?: string | null },
    route: string,
  ): Promise<{ team: TeamRecord; member: TeamMemberRecord }> {
    const { store } = this.deps;
    const team = await store.teams.findById(input.team_id);
    if (!team) {
      throw new GatewayError('bad_request', `Team id=${input.team_id} does not exist in db`, {
        param: 'team_id',
      });
    }
    await this.checkManager(caller, team.team_id, route);
    const userId =
      input.user_id ?? (await store.users.findByEmail(input.user_email ?? ''))?.user_id;
    const member =
      userId === undefined ? undefined : await store.teams.findMember(team.team_id, userId);
    if (!member)
      throw new GatewayError('bad_request', 'User not found in team', { param: 'user_id' });
    return { team, member };
  }

  /**
   * Besides proxy admins, an organization's `org_admin` members create teams, in that
   * organization only (LiteLLM's organization admins).
   */
  private async checkOrganizationAdmin(
    caller: Principal,
    organizationId: string | null | undefined,
  ): Promise<void> {
    const member =
      organizationId && caller.userId !== undefined
        ? await this.deps.store.organizations.findMember(organizationId, caller.userId)
        : undefined;
    if (member?.user_role === 'org_admin') return;
    // LiteLLM's refusal of the route to anyone else, word for word.
    throw new GatewayError(
      'route_not_allowed_for_role',
      `Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=/team/new. Your role=${caller.role}. Your user_id=${caller.userId ?? 'None'}`,
    );
  }

  /**
   * The team's organization as the request sets it (`""` or null takes the team out): the
   * organization must exist, and the team's models must be among the organization's when both
   * list any.
   */
  private async checkOrganization(
    input: TeamFields,
    existing?: TeamRecord,
  ): Promise<Pick<TeamPatch, 'organization_id'>> {
    if (input.organization_id === undefined) {
      if (!existing?.organization_id || input.models === undefined) return {};
    } else if (!input.organization_id) return { organization_id: null };
    const organizationId = input.organization_id ?? existing?.organization_id ?? '';
    const organization = await this.deps.store.organizations.findById(organizationId);
    if (!organization) {
      throw new GatewayError(
        'bad_request',
        `Organization not found for organization_id=${organizationId}`,
        { param: 'organization_id' },
      );
    }
    const models = input.models ?? existing?.models ?? [];
    const allowed = organization.models;
    // A team without a list of its own (all models) gets what its organization allows: the
    // organization's list binds its keys on every call.
    if (allowed.length > 0 && !allowed.includes('all-proxy-models')) {
      const outside = models.filter((m) => !allowed.includes(m));
      if (outside.length > 0) {
        throw new GatewayError(
          'bad_request',
          `Model not in organization's allowed models. Organization=${organizationId}, models not allowed=${pythonList(outside)}. Allowed organization models=${pythonList(allowed)}`,
          { param: 'models' },
        );
      }
    }
    return input.organization_id === undefined ? {} : { organization_id: organizationId };
  }

  /** The columns the request's settings set; `null` clears one. */
  private settings(input: TeamFields, now: number, existing?: TeamRecord): TeamPatch {
    const patch: Record<string, unknown> = {};
    checkBudget('max_budget', input.max_budget);
    checkBudget('soft_budget', input.soft_budget);
    checkBudget('team_member_budget', input.team_member_budget);
    const defaults = { metadata: {}, models: [], model_aliases: {}, blocked: false };
    for (const field of ['metadata', 'models', 'model_aliases', 'blocked'] as const) {
      if (input[field] !== undefined) patch[field] = input[field] ?? defaults[field];
    }
    for (const field of [
      'team_alias',
      'max_budget',
      'soft_budget',
      'tpm_limit',
      'rpm_limit',
      'max_parallel_requests',
      'team_member_budget',
      'team_member_rpm_limit',
      'team_member_tpm_limit',
    ] as const) {
      if (input[field] !== undefined) patch[field] = input[field];
    }
    const memberDuration = input.team_member_budget_duration;
    if (memberDuration !== undefined) {
      // Read now, so a duration that is not one is refused before anything is written.
      budgetResetAt(memberDuration, now, this.deps.calendar, 'team_member_budget_duration');
      patch.team_member_budget_duration = memberDuration;
    }
    const keyDuration = input.team_member_key_duration;
    if (keyDuration !== undefined) {
      if (keyDuration !== null) toInstant('team_member_key_duration', keyDuration, now);
      patch.team_member_key_duration = keyDuration;
    }
    if (input.budget_duration !== undefined) {
      const duration = input.budget_duration;
      patch.budget_duration = duration;
      patch.budget_reset_at = budgetResetAt(duration, now, this.deps.calendar);
    }
    const metadata = metadataWithModelLimits(input, existing?.metadata);
    if (metadata) patch.metadata = metadata;
    return patch as TeamPatch;
  }

  private async patchTeam(
    caller: Principal,
    teamId: string,
    patch: TeamPatch,
  ): Promise<TeamRecord> {
    const updated = await changesBy(this.deps.store, caller).teams.update(teamId, {
      ...patch,
      updated_at: new Date(this.deps.now()).toISOString(),
    });
    if (!updated) throw teamNotFound(teamId);
    this.deps.invalidation.teamChanged(teamId);
    return updated;
  }

  private async existingTeam(teamId: string): Promise<TeamRecord> {
    const team = await this.deps.store.teams.findById(teamId);
    if (!team) throw teamNotFound(teamId);
    return team;
  }

  /** Proxy admins and the team's admins manage a team; anyone else gets LiteLLM's 403. */
  private async checkManager(caller: Principal, teamId: string, route: string): Promise<void> {
    if (isProxyAdmin(caller) || (await isTeamAdmin(this.deps.store.teams, caller, teamId))) return;
    throw new GatewayError(
      'forbidden',
      `Call not allowed. User not proxy admin OR team admin. route=${route}, team_id=${teamId}`,
    );
  }

  /**
   * `GET /v2/team/list`: one page of the teams the caller may see, with their members (not
   * their keys), filtered and sorted by the database.
   */
  async page(caller: Principal, query: TeamPageQuery): Promise<Record<string, unknown>> {
    const { store } = this.deps;
    let teamIds = await this.visibleTeamIds(caller, query.user_id);
    if (query.team_id !== undefined) {
      teamIds = teamIds === undefined || teamIds.includes(query.team_id) ? [query.team_id] : [];
    }
    const organization = query.organization_id;
    const found = await store.teams.page(
      {
        teamIds,
        organizationId: organization === DEFAULT_ORGANIZATION ? null : organization,
        aliasContains: query.team_alias,
      },
      { offset: (query.page - 1) * query.page_size, limit: query.page_size },
    );
    const members = await store.teams.membershipsOf({
      teamIds: found.teams.map((t) => t.team_id),
    });
    const users = await this.usersOf(members);
    return {
      teams: found.teams.map((team) => {
        const own = members.filter((m) => m.team_id === team.team_id);
        return {
          ...teamView(team, own, users, spendTime(this.deps)),
          team_memberships: own.map((m) => membershipView(m, team, spendTime(this.deps))),
        };
      }),
      total: found.total,
      page: query.page,
      page_size: query.page_size,
      total_pages: Math.ceil(found.total / query.page_size),
    };
  }

  /**
   * The teams a caller may list (undefined: all). Anyone but an admin sees only its own teams and
   * may not ask for another user's.
   */
  private async visibleTeamIds(
    caller: Principal,
    askedUserId: string | undefined,
  ): Promise<string[] | undefined> {
    let userId = askedUserId;
    if (!readsEverything(caller)) {
      if (userId !== undefined && userId !== caller.userId) {
        throw new GatewayError(
          'admin_only',
          `Only admin users can query all teams/other teams. Your user role=${caller.role}`,
        );
      }
      userId = caller.userId;
      // A key without a user sees the team it belongs to.
      if (userId === undefined) return caller.teamId === undefined ? [] : [caller.teamId];
    }
    if (userId === undefined) return undefined;
    return (await this.deps.store.teams.membershipsOf({ userIds: [userId] })).map((m) => m.team_id);
  }

  private async mayRead(caller: Principal, teamId: string): Promise<boolean> {
    if (readsEverything(caller) || caller.teamId === teamId) return true;
    if (caller.userId === undefined) return false;
    return (await this.deps.store.teams.findMember(teamId, caller.userId)) !== undefined;
  }

  private async view(
    team: TeamRecord,
    members?: readonly TeamMemberRecord[],
  ): Promise<Record<string, unknown>> {
    const rows = members ?? (await this.deps.store.teams.membersOf(team.team_id));
    return teamView(team, rows, await this.usersOf(rows), spendTime(this.deps));
  }

  private async usersOf(members: readonly TeamMemberRecord[]) {
    const ids = [...new Set(members.map((m) => m.user_id))];
    const users = await this.deps.store.users.findByIds(ids);
    return new Map(users.map((u) => [u.user_id, u]));
  }

  /** The team's keys that have not expired, as full objects. */
  private async liveKeysOf(teamId: string): Promise<Record<string, unknown>[]> {
    const at = spendTime(this.deps);
    return (await allKeys(this.deps.store.keys, { teamId }))
      .filter((k) => k.expires === null || Date.parse(k.expires) > at.now)
      .map((k) => keyObject(k, at));
  }
}

function teamExists(teamId: string): GatewayError {
  return new GatewayError(
    'bad_request',
    `Team id = ${teamId} already exists. Please use a different team id.`,
    { param: 'team_id' },
  );
}

function teamNotFound(teamId: string): GatewayError {
  return new GatewayError('not_found', `Team not found, passed team_id=${teamId}`, {
    param: 'team_id',
  });
}

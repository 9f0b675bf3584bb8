/**
 * The /organization/* operations (LiteLLM's organization_endpoints): organizations own teams, give
 * them an upper set of models, and hold a budget (a `budgets` row) that every call of their teams'
 * keys is charged to. Proxy admins create and delete them; an organization's `org_admin` members
 * manage its members and its name. Members see their organizations; admins and viewers see all.
 */
import { randomUUID } from 'node:crypto';
import type { AuthInvalidation } from '../auth/principal-cache.js';
import type { Principal } from '../auth/principal.js';
import type { InternalUserDefaults } from '../config/gateway-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { BudgetCalendar } from '../spend/budget-calendar.js';
import { changesBy } from '../store/audited-repositories.js';
import type {
  OrganizationMemberRecord,
  OrganizationPatch,
  OrganizationRecord,
  OrganizationRole,
} from '../store/organization-repository.js';
import type { Store } from '../store/store.js';
import { UniqueViolation } from '../store/unique-violation.js';
import type { UserRecord } from '../store/user-repository.js';
import { budgetFieldsOf, type BudgetService } from './budget-service.js';
import { actorOf, isProxyAdmin, readsEverything } from './caller-scope.js';
import { spendTime, withCurrentSpend, type SpendTime } from './current-spend.js';
import { budgetResetAt } from './key-settings.js';
import { newUserRecord, withUserDefaults } from './new-user.js';
import type {
  NewOrganizationInput,
  OrganizationMemberAddInput,
  OrganizationMemberDeleteInput,
  OrganizationMemberUpdateInput,
  UpdateOrganizationInput,
} from './organization-schemas.js';
import { userView } from './user-view.js';

export interface OrganizationServiceDeps {
  store: Pick<Store, 'organizations' | 'budgets' | 'teams' | 'users' | 'auditedBy'>;
  /** Makes and changes the organizations' budget rows (validated as /budget/* does). */
  budgets: BudgetService;
  /** The keys of an organization's teams are reloaded when it changes. */
  invalidation: AuthInvalidation;
  /** For users that /organization/member_add creates. */
  defaults: InternalUserDefaults;
  now: () => number;
  calendar: BudgetCalendar;
}

/** What an `org_admin` may change with /organization/update; the rest is the proxy admin's. */
const ORG_ADMIN_FIELDS: ReadonlySet<string> = new Set([
  'organization_id',
  'organization_alias',
  'metadata',
]);

export class OrganizationService {
  constructor(private readonly deps: OrganizationServiceDeps) {}

  async create(caller: Principal, input: NewOrganizationInput): Promise<Record<string, unknown>> {
    if (!isProxyAdmin(caller)) {
      throw new GatewayError(
        'route_not_allowed_for_role',
        `Only admins can create orgs. Your role is = ${caller.role}`,
      );
    }
    const { store } = this.deps;
    const organizationId = input.organization_id ?? randomUUID();
    if (await store.organizations.findById(organizationId)) {
      throw organizationExists(organizationId);
    }
    // Every organization has a budget: the one it names, else one made of the request's limits,
    // stored with the organization in one transaction.
    const own = input.budget_id
      ? undefined
      : this.deps.budgets.newBudget(caller, budgetFieldsOf(input));
    const budget = own ?? (await this.deps.budgets.existing(input.budget_id ?? ''));
    const now = this.deps.now();
    const at = new Date(now).toISOString();
    const organization: OrganizationRecord = {
      organization_id: organizationId,
      organization_alias: input.organization_alias,
      budget_id: budget.budget_id,
      models: input.models ?? [],
      metadata: input.metadata ?? {},
      spend: 0,
      budget_reset_at: budgetResetAt(budget.budget_duration, now, this.deps.calendar),
      created_at: at,
      created_by: actorOf(caller),
      updated_at: at,
      updated_by: actorOf(caller),
    };
    try {
      await changesBy(store, caller).organizations.create(organization, own);
    } catch (error: unknown) {
      // Made meanwhile by another request.
      if (error instanceof UniqueViolation) throw organizationExists(organizationId);
      throw error;
    }
    return this.view(organization, spendTime(this.deps));
  }

  /** `GET /organization/info`: one organization with its budget, members and teams. */
  async info(caller: Principal, organizationId: string): Promise<Record<string, unknown>> {
    const organization = await this.visible(caller, organizationId);
    return this.view(organization, spendTime(this.deps));
  }

  /** The older `POST /organization/info`: the organizations of a list, with their budgets. */
  async infoMany(
    caller: Principal,
    organizationIds: readonly string[],
  ): Promise<Record<string, unknown>[]> {
    if (organizationIds.length === 0) {
      throw new GatewayError(
        'bad_request',
        "Specify list of organization id's to query. Passed in=[]",
        { param: 'organizations' },
      );
    }
    const visible = await this.visibleIds(caller);
    const found = await this.deps.store.organizations.list(
      visible === undefined ? organizationIds : organizationIds.filter((id) => visible.has(id)),
    );
    const at = spendTime(this.deps);
    return Promise.all(found.map((o) => this.view(o, at)));
  }

  /** Every organization for admins and viewers; the caller's own for everyone else. */
  async list(caller: Principal): Promise<Record<string, unknown>[]> {
    const visible = await this.visibleIds(caller);
    const found = await this.deps.store.organizations.list(visible && [...visible]);
    const at = spendTime(this.deps);
    return Promise.all(found.map((o) => this.view(o, at)));
  }

  async update(
    caller: Principal,
    input: UpdateOrganizationInput,
  ): Promise<Record<string, unknown>> {
    const organization = await this.found(input.organization_id);
    await this.checkManager(caller, organization.organization_id, '/organization/update');
    if (!isProxyAdmin(caller)) {
      const field = Object.keys(input).find(
        (f) => !ORG_ADMIN_FIELDS.has(f) && input[f as keyof UpdateOrganizationInput] !== undefined,
      );
      if (field !== undefined) {
        throw new GatewayError(
          'forbidden',
          `Only proxy admins can update ${field} of an organization. Organization admins can update: organization_alias, metadata`,
          { param: field },
        );
      }
    }
    const now = this.deps.now();
    const patch: OrganizationPatch = {
      updated_at: new Date(now).toISOString(),
      updated_by: actorOf(caller),
    };
    if (input.organization_alias) patch.organization_alias = input.organization_alias;
    if (input.metadata !== undefined) patch.metadata = input.metadata ?? {};
    if (input.models !== undefined) patch.models = input.models ?? [];
    const budget = await this.deps.budgets.budgetAfter(
      caller,
      'organization',
      organization.budget_id,
      input,
    );
    if (budget) {
      patch.budget_id = budget.budget_id;
      // A window starts with a new budget, a duration given, or the first one the budget gets.
      if (
        budget.budget_id !== organization.budget_id ||
        input.budget_duration !== undefined ||
        organization.budget_reset_at === null
      ) {
        patch.budget_reset_at = budgetResetAt(budget.budget_duration, now, this.deps.calendar);
      }
    }
    const updated = await changesBy(this.deps.store, caller).organizations.update(
      organization.organization_id,
      patch,
    );
    if (!updated) throw organizationNotFound(organization.organization_id);
    await this.teamsChanged(updated.organization_id);
    return this.view(updated, spendTime(this.deps));
  }

  /**
   * Deletes organizations with their teams (and the teams' keys) and memberships, as LiteLLM
   * does; every id must exist, or nothing is deleted.
   */
  async delete(
    caller: Principal,
    organizationIds: readonly string[],
  ): Promise<Record<string, unknown>[]> {
    if (!isProxyAdmin(caller)) {
      throw new GatewayError(
        'route_not_allowed_for_role',
        'Only proxy admins can delete organizations',
      );
    }
    const ids = [...new Set(organizationIds)];
    const found = await this.deps.store.organizations.list(ids);
    const missing = ids.find((id) => !found.some((o) => o.organization_id === id));
    if (missing !== undefined) {
      throw new GatewayError('not_found', `Organization=${missing} not found`, {
        param: 'organization_ids',
      });
    }
    const at = spendTime(this.deps);
    const views = await Promise.all(found.map((o) => this.view(o, at)));
    const organizations = changesBy(this.deps.store, caller).organizations;
    for (const organization of found) {
      const teamIds = await this.deps.store.organizations.teamIdsOf([organization.organization_id]);
      const tokens = (await organizations.deleteWithTeams(organization.organization_id)) ?? [];
      for (const token of tokens) this.deps.invalidation.keyChanged(token);
      for (const teamId of teamIds) this.deps.invalidation.teamChanged(teamId);
    }
    return views;
  }

  /**
   * Adds members by id or email; users that do not exist yet are made as internal users with the
   * operator's defaults (LiteLLM's behaviour). A user already in the organization takes the role
   * (and budget) given.
   */
  async addMembers(
    caller: Principal,
    input: OrganizationMemberAddInput,
  ): Promise<Record<string, unknown>> {
    const organization = await this.found(input.organization_id);
    const organizationId = organization.organization_id;
    await this.checkManager(caller, organizationId, '/organization/member_add');
    const refs = distinctRefs(input.member);
    const store = changesBy(this.deps.store, caller);
    const now = this.deps.now();
    const at = new Date(now).toISOString();
    // Resolved before anything is written: an unusable member leaves the organization unchanged.
    const resolved: { user: UserRecord; isNew: boolean; role: OrganizationRole }[] = [];
    for (const ref of refs) {
      const user =
        (ref.user_id ? await this.deps.store.users.findById(ref.user_id) : undefined) ??
        (ref.user_email ? await this.deps.store.users.findByEmail(ref.user_email) : undefined);
      if (user) {
        resolved.push({ user, isNew: false, role: ref.role });
        continue;
      }
      const settings = withUserDefaults(
        { user_email: ref.user_email ?? null, user_role: 'internal_user', teams: null },
        { ...this.deps.defaults, params: { ...this.deps.defaults.params, teams: undefined } },
      );
      const userId = ref.user_id ?? randomUUID();
      resolved.push({
        user: newUserRecord(userId, settings, now, this.deps.calendar),
        isNew: true,
        role: ref.role,
      });
    }
    const memberships: OrganizationMemberRecord[] = [];
    for (const { user, isNew, role } of resolved) {
      if (isNew) await createUser(store.users, user);
      const existing = await this.deps.store.organizations.findMember(organizationId, user.user_id);
      const budgetId = await this.memberBudget(
        caller,
        existing?.budget_id ?? null,
        input.max_budget_in_organization,
      );
      if (existing) {
        const updated = await store.organizations.updateMember(organizationId, user.user_id, {
          user_role: role,
          budget_id: budgetId,
          updated_at: at,
        });
        if (updated) memberships.push(updated);
        continue;
      }
      const member: OrganizationMemberRecord = {
        organization_id: organizationId,
        user_id: user.user_id,
        user_role: role,
        spend: 0,
        budget_id: budgetId,
        created_at: at,
        updated_at: at,
      };
      await store.organizations.addMember(member);
      memberships.push(member);
    }
    const spendAt = spendTime(this.deps);
    const users = await Promise.all(
      resolved.map(async ({ user }) =>
        userView(user, await this.deps.store.teams.teamIdsOf(user.user_id), spendAt),
      ),
    );
    return {
      organization_id: organizationId,
      updated_users: users,
      updated_organization_memberships: await Promise.all(
        memberships.map((m) => this.memberView(m)),
      ),
    };
  }

  async updateMember(
    caller: Principal,
    input: OrganizationMemberUpdateInput,
  ): Promise<Record<string, unknown>> {
    const organization = await this.deps.store.organizations.findById(input.organization_id);
    if (!organization) {
      // LiteLLM answers this one with a 400.
      throw new GatewayError(
        'bad_request',
        `Organization not found for organization_id=${input.organization_id}`,
        { param: 'organization_id' },
      );
    }
    await this.checkManager(caller, organization.organization_id, '/organization/member_update');
    const member = await this.foundMember(organization.organization_id, input);
    const budgetId = await this.memberBudget(
      caller,
      member.budget_id,
      input.max_budget_in_organization,
    );
    const updated = await changesBy(this.deps.store, caller).organizations.updateMember(
      member.organization_id,
      member.user_id,
      {
        ...(input.role ? { user_role: input.role } : {}),
        budget_id: budgetId,
        updated_at: new Date(this.deps.now()).toISOString(),
      },
    );
    if (!updated) throw memberNotFound(member.user_id);
    return this.memberView(updated);
  }

  async deleteMember(
    caller: Principal,
    input: OrganizationMemberDeleteInput,
  ): Promise<Record<string, unknown>> {
    const organization = await this.found(input.organization_id);
    await this.checkManager(caller, organization.organization_id, '/organization/member_delete');
    const member = await this.foundMember(organization.organization_id, input);
    const view = await this.memberView(member);
    // Its keys of the organization go with it: a removed member no longer spends its money.
    const tokens = await changesBy(this.deps.store, caller).organizations.removeMember(
      member.organization_id,
      member.user_id,
    );
    for (const token of tokens) this.deps.invalidation.keyChanged(token);
    return view;
  }

  // ---

  private async found(organizationId: string): Promise<OrganizationRecord> {
    const organization = await this.deps.store.organizations.findById(organizationId);
    if (!organization) throw organizationNotFound(organizationId);
    return organization;
  }

  /** The organization, if the caller may see it (members and those who read everything). */
  private async visible(caller: Principal, organizationId: string): Promise<OrganizationRecord> {
    const organization = await this.found(organizationId);
    const visible = await this.visibleIds(caller);
    if (visible && !visible.has(organizationId)) {
      throw new GatewayError(
        'forbidden',
        `You are not a member of organization=${organizationId}. Only its members and proxy admins can see it.`,
        { param: 'organization_id' },
      );
    }
    return organization;
  }

  /** The ids of the organizations the caller is a member of; undefined: it sees them all. */
  private async visibleIds(caller: Principal): Promise<Set<string> | undefined> {
    if (readsEverything(caller)) return undefined;
    if (caller.userId === undefined) return new Set();
    const memberships = await this.deps.store.organizations.membershipsOf(caller.userId);
    return new Set(memberships.map((m) => m.organization_id));
  }

  /** Proxy admins, and the organization's `org_admin` members, manage it. */
  private async checkManager(
    caller: Principal,
    organizationId: string,
    route: string,
  ): Promise<void> {
    if (isProxyAdmin(caller)) return;
    const member =
      caller.userId === undefined
        ? undefined
        : await this.deps.store.organizations.findMember(organizationId, caller.userId);
    if (member?.user_role === 'org_admin') return;
    throw new GatewayError(
      'forbidden',
      `Only proxy admins and admins of organization=${organizationId} can call ${route}. Your role=${member?.user_role ?? caller.role}`,
    );
  }

  private async foundMember(
    organizationId: string,
    ref: { user_id?: string | null; user_email?: string | null },
  ): Promise<OrganizationMemberRecord> {
    const userId =
      ref.user_id ?? (await this.deps.store.users.findByEmail(ref.user_email ?? ''))?.user_id;
    const member =
      userId === undefined
        ? undefined
        : await this.deps.store.organizations.findMember(organizationId, userId);
    if (!member) throw memberNotFound(userId ?? ref.user_email ?? '');
    return member;
  }

  /** A member's budget in the organization (`max_budget_in_organization`), as a budget row. */
  private async memberBudget(
    caller: Principal,
    budgetId: string | null,
    maxBudget: number | null | undefined,
  ): Promise<string | null> {
    if (maxBudget === undefined) return budgetId;
    if (budgetId === null) {
      if (maxBudget === null) return null;
      return (await this.deps.budgets.create(caller, { max_budget: maxBudget })).budget_id;
    }
    await this.deps.budgets.update(caller, { budget_id: budgetId, max_budget: maxBudget });
    return budgetId;
  }

  /** The keys of the organization's teams, and its own keys, are reloaded. */
  private async teamsChanged(organizationId: string): Promise<void> {
    const { organizations } = this.deps.store;
    for (const teamId of await organizations.teamIdsOf([organizationId])) {
      this.deps.invalidation.teamChanged(teamId);
    }
    for (const token of await organizations.keyTokensOf([organizationId])) {
      this.deps.invalidation.keyChanged(token);
    }
  }

  /** LiteLLM's LiteLLM_OrganizationTableWithMembers. */
  private async view(
    organization: OrganizationRecord,
    at: SpendTime,
  ): Promise<Record<string, unknown>> {
    const { store } = this.deps;
    const [budget, members, teams] = await Promise.all([
      organization.budget_id ? store.budgets.findById(organization.budget_id) : undefined,
      store.organizations.membersOf([organization.organization_id]),
      store.teams.list({ organizationId: organization.organization_id }),
    ]);
    const current = withCurrentSpend(
      { ...organization, budget_duration: budget?.budget_duration ?? null },
      at,
    );
    return {
      organization_id: organization.organization_id,
      organization_alias: organization.organization_alias,
      budget_id: organization.budget_id,
      metadata: organization.metadata,
      models: organization.models,
      spend: current.spend,
      budget_reset_at: current.budget_reset_at,
      model_spend: {},
      object_permission_id: null,
      created_at: organization.created_at,
      created_by: organization.created_by,
      updated_at: organization.updated_at,
      updated_by: organization.updated_by,
      litellm_budget_table: budget ?? null,
      members: await Promise.all(members.map((m) => this.memberView(m))),
      teams: teams.map((team) => withCurrentSpend(team, at)),
    };
  }

  /** LiteLLM's LiteLLM_OrganizationMembershipTable, with its budget. */
  private async memberView(member: OrganizationMemberRecord): Promise<Record<string, unknown>> {
    const budget = member.budget_id
      ? await this.deps.store.budgets.findById(member.budget_id)
      : undefined;
    return { ...member, litellm_budget_table: budget ?? null };
  }
}

/**
 * The members a request names, each once: by id, or by email in any case; a later entry for the
 * same user wins (its role is the one given last).
 */
function distinctRefs<T extends { user_id?: string | null; user_email?: string | null }>(
  refs: readonly T[],
): T[] {
  const byId = new Map<string, T>();
  for (const ref of refs) {
    const id = ref.user_id ? `id:${ref.user_id}` : `email:${(ref.user_email ?? '').toLowerCase()}`;
    byId.delete(id);
    byId.set(id, ref);
  }
  return [...byId.values()];
}

/** A new user, or LiteLLM's 409 when its id or email was taken meanwhile. */
async function createUser(
  users: { create(user: UserRecord): Promise<void> },
  user: UserRecord,
): Promise<void> {
  try {
    await users.create(user);
  } catch (error: unknown) {
    if (!(error instanceof UniqueViolation)) throw error;
    throw new GatewayError(
      'conflict',
      user.user_email !== null && error.column === 'user_email'
        ? `User with email ${user.user_email} already exists`
        : `User with id ${user.user_id} already exists`,
      { param: 'member' },
    );
  }
}

/** The budget settings the request names. */
function organizationExists(organizationId: string): GatewayError {
  return new GatewayError(
    'bad_request',
    `Organization id = ${organizationId} already exists. Please use a different organization id.`,
    { param: 'organization_id' },
  );
}

export function organizationNotFound(organizationId: string): GatewayError {
  return new GatewayError(
    'not_found',
    `Organization not found for organization_id=${organizationId}`,
    { param: 'organization_id' },
  );
}

function memberNotFound(userId: string): GatewayError {
  return new GatewayError('not_found', `Member not found in organization for user_id=${userId}`, {
    param: 'user_id',
  });
}

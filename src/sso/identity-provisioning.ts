/**
 * Users and teams from the identity provider, for JWT auth (`user_id_upsert`, `team_id_upsert`)
 * and SSO sign-in alike: a user seen for the first time is created with the operator's defaults
 * for internal users; a team seen for the first time is created with `default_team_params`, and
 * an existing team is never changed; memberships can be made to follow the token's team list.
 * Every write goes through the audited repositories, as made by the user it concerns.
 */
import { budgetResetAt } from '../admin/key-settings.js';
import { newUserRecord, withUserDefaults } from '../admin/new-user.js';
import type { InternalUserDefaults } from '../config/gateway-config.js';
import type { DefaultTeamParams } from '../config/sso-settings.js';
import type { BudgetCalendar } from '../spend/budget-calendar.js';
import type { AuditedRepositories } from '../store/audited-repositories.js';
import type { TeamRecord } from '../store/team-repository.js';
import type { UserRecord } from '../store/user-repository.js';
import type { Store } from '../store/store.js';
import { UniqueViolation } from '../store/unique-violation.js';
import type { AuthInvalidation } from '../auth/principal-cache.js';
import type { ProxyRole } from '../auth/principal.js';
import { NO_MEMBER_DEFAULTS, newMembership } from '../store/team-repository.js';

export interface ProvisioningDeps {
  store: Pick<Store, 'users' | 'teams' | 'auditedBy'>;
  userDefaults: InternalUserDefaults;
  teamDefaults?: DefaultTeamParams;
  /** Cached principals that hold a changed user or team are dropped. */
  invalidation?: Pick<AuthInvalidation, 'userChanged' | 'teamChanged'>;
  now: () => number;
  /** When budget windows end (the gateway's one calendar). */
  calendar: BudgetCalendar;
}

export interface NewIdentity {
  userId: string;
  email?: string;
  /** The role for a new user; else `default_internal_user_params.user_role`, else `fallbackRole`. */
  role?: ProxyRole;
  fallbackRole: ProxyRole;
  ssoUserId?: string;
  alias?: string;
}

export class IdentityProvisioner {
  constructor(private readonly deps: ProvisioningDeps) {}

  /** The stored user with this id, else with this email (case-insensitive). */
  async findUser(userId?: string, email?: string): Promise<UserRecord | undefined> {
    const { users } = this.deps.store;
    const byId = userId === undefined ? undefined : await users.findById(userId);
    if (byId || email === undefined) return byId;
    return users.findByEmail(email);
  }

  /** Creates a user seen for the first time; a concurrent first sign-in finds the other's row. */
  async createUser(identity: NewIdentity): Promise<UserRecord> {
    const { userDefaults, now, calendar } = this.deps;
    const settings = withUserDefaults(
      {
        user_email: identity.email ?? null,
        user_alias: identity.alias ?? null,
        user_role: identity.role ?? userDefaults.params.user_role ?? identity.fallbackRole,
        sso_user_id: identity.ssoUserId ?? null,
      },
      userDefaults,
    );
    // Teams come from the token, not from `default_internal_user_params.teams`.
    const record = newUserRecord(
      identity.userId,
      { ...settings, teams: undefined },
      now(),
      calendar,
    );
    try {
      await this.audited(identity.userId).users.create(record);
    } catch (error: unknown) {
      if (!(error instanceof UniqueViolation)) throw error;
      const existing = await this.findUser(identity.userId, identity.email);
      if (!existing) throw error;
      return existing;
    }
    return record;
  }

  /** Sets a user's role when the identity provider says otherwise. */
  async updateRole(user: UserRecord, role: ProxyRole): Promise<UserRecord> {
    if (user.user_role === role) return user;
    const updated = await this.audited(user.user_id).users.update(user.user_id, {
      user_role: role,
      updated_at: new Date(this.deps.now()).toISOString(),
    });
    this.deps.invalidation?.userChanged(user.user_id);
    return updated ?? user;
  }

  /** The team; when missing and `create`, a new one with `default_team_params`. */
  async team(
    teamId: string,
    create: boolean,
    actor: string | null,
  ): Promise<TeamRecord | undefined> {
    const { teams } = this.deps.store;
    const found = await teams.findById(teamId);
    if (found || !create) return found;
    const record = this.newTeam(teamId);
    try {
      await this.audited(actor).teams.create(record);
    } catch (error: unknown) {
      if (!(error instanceof UniqueViolation)) throw error;
      return teams.findById(teamId);
    }
    return record;
  }

  /**
   * Makes the user's memberships those of `teamIds` (teams that exist): joins the missing ones
   * as `user`, leaves the others (which deletes the keys it held for them, as /team/member_delete
   * does).
   */
  async syncMemberships(userId: string, teamIds: readonly string[]): Promise<void> {
    const { teams } = this.deps.store;
    const store = this.audited(userId);
    const current = new Set(await teams.teamIdsOf(userId));
    const wanted = new Set(teamIds);
    const at = new Date(this.deps.now()).toISOString();
    for (const teamId of wanted) {
      if (current.has(teamId)) continue;
      try {
        await store.teams.addMember(
          newMembership(
            { team_id: teamId, user_id: userId, role: 'user', max_budget_in_team: null },
            at,
          ),
        );
      } catch (error: unknown) {
        if (!(error instanceof UniqueViolation)) throw error;
      }
      this.deps.invalidation?.teamChanged(teamId);
    }
    for (const teamId of current) {
      if (wanted.has(teamId)) continue;
      await store.teams.removeMember(teamId, userId);
      this.deps.invalidation?.teamChanged(teamId);
    }
    this.deps.invalidation?.userChanged(userId);
  }

  private newTeam(teamId: string): TeamRecord {
    const now = this.deps.now();
    const at = new Date(now).toISOString();
    const params = this.deps.teamDefaults ?? {};
    const duration = params.budget_duration ?? null;
    return {
      team_id: teamId,
      team_alias: teamId,
      organization_id: null,
      metadata: {},
      models: params.models ?? [],
      model_aliases: {},
      spend: 0,
      max_budget: params.max_budget ?? null,
      soft_budget: null,
      budget_duration: duration,
      budget_reset_at: budgetResetAt(duration, now, this.deps.calendar),
      tpm_limit: params.tpm_limit ?? null,
      rpm_limit: params.rpm_limit ?? null,
      max_parallel_requests: params.max_parallel_requests ?? null,
      blocked: false,
      ...NO_MEMBER_DEFAULTS,
      created_at: at,
      updated_at: at,
    };
  }

  private audited(userId: string | null): AuditedRepositories {
    return this.deps.store.auditedBy({ userId, keyHash: null });
  }
}

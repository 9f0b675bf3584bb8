/**
 * The reconcile planner: desired manifests + what the gateway holds → the calls that make the
 * gateway match, in a safe order. Pure: no I/O, so `diff`, `apply --dry-run`, `apply` and the
 * Kubernetes operator all see the same plan.
 *
 * Objects are matched by natural key (a user by email in any case, a team by alias or teamID, a
 * key by alias), so existing objects are adopted, never duplicated. Objects this planner creates
 * carry `metadata.managed_by`; only those are ever pruned.
 */
import type {
  KeyManifest,
  Manifest,
  MembershipManifest,
  TeamManifest,
  UserManifest,
} from './manifest-schema.js';
import type { ApiObject, Observed } from './observe.js';
import { namespaceOf } from './parse-manifests.js';
import {
  apiFields,
  changedFields,
  IGNORED_FIELDS,
  KEY_RULES,
  TEAM_RULES,
  USER_RULES,
  type FieldChange,
} from './resource-fields.js';

export type StepAction = 'create' | 'update' | 'unchanged' | 'delete' | 'absent';

export interface PlannedCall {
  path: string;
  body: Record<string, unknown>;
  /** Fill `team_id` with the id of the team of this alias when the call runs (it may be new). */
  teamAlias?: string;
}

export interface Step {
  kind: Manifest['kind'];
  /** The manifest's name, or the gateway object's id for a pruned object. */
  name: string;
  /** The object in the gateway's terms: an email, a team alias, `team ← email`, a key alias. */
  target: string;
  action: StepAction;
  changes: FieldChange[];
  /** The object existed before and was not created by this tool: it is never pruned. */
  adopted?: boolean;
  pruned?: boolean;
  call?: PlannedCall;
  /** A key secret this step makes; where it is to be kept. */
  secret?: { keyAlias: string; secretName: string };
}

export interface Plan {
  steps: Step[];
  warnings: string[];
  /** Problems that stop the plan (a reference to a missing manifest, an ambiguous alias). */
  errors: string[];
}

export interface PlanOptions {
  mode: 'apply' | 'delete';
  /** apply: also delete managed objects the manifests no longer name. */
  prune?: boolean;
  /** The `metadata.managed_by` value of objects this tool creates. */
  managedBy: string;
}

export function planChanges(
  manifests: readonly Manifest[],
  observed: Observed,
  options: PlanOptions,
): Plan {
  const planner = new Planner(manifests, observed, options);
  return options.mode === 'apply' ? planner.apply() : planner.remove();
}

const byKind = <K extends Manifest['kind']>(manifests: readonly Manifest[], kind: K) =>
  manifests.filter((m): m is Extract<Manifest, { kind: K }> => m.kind === kind);

const lower = (value: unknown): string => String(value ?? '').toLowerCase();

class Planner {
  private readonly users: UserManifest[];
  private readonly teams: TeamManifest[];
  private readonly memberships: MembershipManifest[];
  private readonly keys: KeyManifest[];
  private readonly warnings: string[] = [];
  private readonly errors: string[] = [];

  constructor(
    manifests: readonly Manifest[],
    private readonly observed: Observed,
    private readonly options: PlanOptions,
  ) {
    this.users = byKind(manifests, 'User');
    this.teams = byKind(manifests, 'Team');
    this.memberships = byKind(manifests, 'TeamMemberAssociation');
    this.keys = byKind(manifests, 'VirtualKey');
    for (const m of manifests) this.warnIgnored(m);
  }

  apply(): Plan {
    const steps = [
      ...this.users.map((m) => this.applyUser(m)),
      ...this.teams.map((m) => this.applyTeam(m)),
      ...this.memberships.flatMap((m) => this.applyMembership(m)),
      ...this.keys.map((m) => this.applyKey(m)),
    ];
    if (this.options.prune) steps.push(...this.pruneSteps());
    return { steps, warnings: this.warnings, errors: this.errors };
  }

  remove(): Plan {
    const steps = [
      ...this.keys.map((m) => this.deleteKey(m)),
      ...this.memberships.flatMap((m) => this.deleteMembership(m)),
      ...this.teams.map((m) => this.deleteTeam(m)),
      ...this.users.map((m) => this.deleteUser(m)),
    ];
    return { steps, warnings: this.warnings, errors: this.errors };
  }

  // --- finding observed objects by natural key -------------------------------------------

  private findUser(email: string): ApiObject | undefined {
    return this.observed.users.find((u) => lower(u.user_email) === email.toLowerCase());
  }

  private findTeam(spec: TeamManifest['spec']): ApiObject | undefined {
    if (spec.teamID !== undefined)
      return this.observed.teams.find((t) => t.team_id === spec.teamID);
    const matches = this.observed.teams.filter((t) => t.team_alias === spec.teamAlias);
    if (matches.length > 1) {
      this.errors.push(
        `Team ${spec.teamAlias}: ${matches.length} teams in the gateway have this alias; set spec.teamID to choose one`,
      );
    }
    return matches[0];
  }

  private findKey(alias: string): ApiObject | undefined {
    return this.observed.keys.find((k) => k.key_alias === alias);
  }

  private managed(object: ApiObject): boolean {
    const metadata = (object.metadata ?? {}) as Record<string, unknown>;
    return metadata.managed_by === this.options.managedBy;
  }

  private marked(metadata: unknown): Record<string, unknown> {
    return {
      ...(metadata as Record<string, unknown> | undefined),
      managed_by: this.options.managedBy,
    };
  }

  // --- apply ----------------------------------------------------------------------------------

  private applyUser(m: UserManifest): Step {
    const base = { kind: m.kind, name: m.metadata.name, target: m.spec.userEmail };
    const desired = apiFields(m.spec, USER_RULES);
    const existing = this.findUser(m.spec.userEmail);
    if (!existing) {
      const autoKey = m.spec.autoCreateKey === true;
      return {
        ...base,
        action: 'create',
        changes: [],
        call: {
          path: '/user/new',
          body: { ...desired, metadata: this.marked(desired.metadata), auto_create_key: autoKey },
        },
        secret: autoKey
          ? {
              keyAlias: m.spec.keyAlias ?? m.metadata.name,
              secretName: secretName(m, m.spec.keyAlias ?? m.metadata.name),
            }
          : undefined,
      };
    }
    return this.updateStep(base, existing, changedFields(desired, existing, USER_RULES), {
      path: '/user/update',
      idField: { user_id: existing.user_id },
    });
  }

  private applyTeam(m: TeamManifest): Step {
    const base = { kind: m.kind, name: m.metadata.name, target: m.spec.teamAlias };
    const desired = apiFields(m.spec, TEAM_RULES);
    const existing = this.findTeam(m.spec);
    if (!existing) {
      return {
        ...base,
        action: 'create',
        changes: [],
        call: { path: '/team/new', body: { ...desired, metadata: this.marked(desired.metadata) } },
      };
    }
    return this.updateStep(base, existing, changedFields(desired, existing, TEAM_RULES), {
      path: '/team/update',
      idField: { team_id: existing.team_id },
    });
  }

  private applyMembership(m: MembershipManifest): Step[] {
    const refs = this.membershipRefs(m);
    if (!refs) return [];
    const { team, user } = refs;
    const base = {
      kind: m.kind,
      name: m.metadata.name,
      target: `${team.spec.teamAlias} ← ${user.spec.userEmail}`,
    };
    const observedTeam = this.findTeam(team.spec);
    const member = memberOf(observedTeam, user.spec.userEmail);
    const budget = m.spec.maxBudgetInTeam;
    if (!member) {
      return [
        {
          ...base,
          action: 'create',
          changes: [],
          call: {
            path: '/team/member_add',
            body: {
              member: { role: m.spec.role, user_email: user.spec.userEmail },
              ...(budget !== undefined && { max_budget_in_team: budget }),
            },
            teamAlias: team.spec.teamAlias,
          },
        },
      ];
    }
    const changes: FieldChange[] = [];
    if (member.role !== m.spec.role)
      changes.push({ field: 'role', from: member.role, to: m.spec.role });
    if (budget !== undefined && Number(member.max_budget_in_team) !== budget) {
      changes.push({
        field: 'max_budget_in_team',
        from: member.max_budget_in_team ?? null,
        to: budget,
      });
    }
    return [
      this.updateStep(base, observedTeam ?? {}, changes, {
        path: '/team/member_update',
        idField: { team_id: observedTeam?.team_id, user_id: member.user_id },
      }),
    ];
  }

  private applyKey(m: KeyManifest): Step {
    const base = { kind: m.kind, name: m.metadata.name, target: m.spec.keyAlias };
    const desired = apiFields(m.spec, KEY_RULES);
    const existing = this.findKey(m.spec.keyAlias);
    if (!existing) {
      return {
        ...base,
        action: 'create',
        changes: [],
        call: {
          path: '/key/generate',
          body: { ...desired, metadata: this.marked(desired.metadata) },
        },
        secret: { keyAlias: m.spec.keyAlias, secretName: secretName(m, m.spec.keyAlias) },
      };
    }
    return this.updateStep(base, existing, changedFields(desired, existing, KEY_RULES), {
      path: '/key/update',
      idField: { key: existing.token },
    });
  }

  private updateStep(
    base: Pick<Step, 'kind' | 'name' | 'target'>,
    existing: ApiObject,
    changes: FieldChange[],
    how: { path: string; idField: Record<string, unknown> },
  ): Step {
    const adopted = base.kind === 'TeamMemberAssociation' ? undefined : !this.managed(existing);
    if (changes.length === 0) return { ...base, action: 'unchanged', changes, adopted };
    const body = { ...how.idField, ...Object.fromEntries(changes.map((c) => [c.field, c.to])) };
    return { ...base, action: 'update', changes, adopted, call: { path: how.path, body } };
  }

  private membershipRefs(
    m: MembershipManifest,
  ): { team: TeamManifest; user: UserManifest } | undefined {
    const ns = namespaceOf(m);
    const team = this.teams.find(
      (t) => t.metadata.name === m.spec.teamRef.name && namespaceOf(t) === ns,
    );
    const user = this.users.find(
      (u) => u.metadata.name === m.spec.userRef.name && namespaceOf(u) === ns,
    );
    if (!team)
      this.errors.push(
        `TeamMemberAssociation ${m.metadata.name}: teamRef ${m.spec.teamRef.name} names no Team in the manifests (namespace ${ns})`,
      );
    if (!user)
      this.errors.push(
        `TeamMemberAssociation ${m.metadata.name}: userRef ${m.spec.userRef.name} names no User in the manifests (namespace ${ns})`,
      );
    return team && user ? { team, user } : undefined;
  }

  // --- delete -f and prune -----------------------------------------------------------------

  private deleteUser(m: UserManifest): Step {
    const existing = this.findUser(m.spec.userEmail);
    return deletion(
      { kind: m.kind, name: m.metadata.name, target: m.spec.userEmail },
      existing && {
        path: '/user/delete',
        body: { user_ids: [existing.user_id] },
      },
    );
  }

  private deleteTeam(m: TeamManifest): Step {
    const existing = this.findTeam(m.spec);
    return deletion(
      { kind: m.kind, name: m.metadata.name, target: m.spec.teamAlias },
      existing && {
        path: '/team/delete',
        body: { team_ids: [existing.team_id] },
      },
    );
  }

  private deleteMembership(m: MembershipManifest): Step[] {
    const refs = this.membershipRefs(m);
    if (!refs) return [];
    const observedTeam = this.findTeam(refs.team.spec);
    const member = memberOf(observedTeam, refs.user.spec.userEmail);
    const target = `${refs.team.spec.teamAlias} ← ${refs.user.spec.userEmail}`;
    return [
      deletion(
        { kind: m.kind, name: m.metadata.name, target },
        member && {
          path: '/team/member_delete',
          body: { team_id: observedTeam?.team_id, user_id: member.user_id },
        },
      ),
    ];
  }

  private deleteKey(m: KeyManifest): Step {
    const existing = this.findKey(m.spec.keyAlias);
    return deletion(
      { kind: m.kind, name: m.metadata.name, target: m.spec.keyAlias },
      existing && {
        path: '/key/delete',
        body: { keys: [existing.token] },
      },
    );
  }

  private pruneSteps(): Step[] {
    const emails = new Set(this.users.map((u) => u.spec.userEmail.toLowerCase()));
    const keyAliases = new Set(this.keys.map((k) => k.spec.keyAlias));
    const desiredTeams = new Set(
      this.teams.map((t) => this.findTeam(t.spec)).filter((t) => t !== undefined),
    );
    const prune = (step: Step): Step => ({ ...step, pruned: true });
    const steps: Step[] = [];
    for (const key of this.observed.keys) {
      if (!this.managed(key) || keyAliases.has(String(key.key_alias))) continue;
      steps.push(
        prune(
          deletion(
            {
              kind: 'VirtualKey',
              name: String(key.token),
              target: String(key.key_alias ?? key.key_name),
            },
            { path: '/key/delete', body: { keys: [key.token] } },
          ),
        ),
      );
    }
    for (const team of desiredTeams) {
      if (!this.managed(team)) continue;
      const named = new Set(
        this.memberships
          .map((m) => this.membershipRefs(m))
          .filter((r) => r !== undefined && this.findTeam(r.team.spec) === team)
          .map((r) => r!.user.spec.userEmail.toLowerCase()),
      );
      for (const member of (team.members_with_roles ?? []) as ApiObject[]) {
        if (named.has(lower(member.user_email))) continue;
        const target = `${String(team.team_alias)} ← ${String(member.user_email ?? member.user_id)}`;
        steps.push(
          prune(
            deletion(
              { kind: 'TeamMemberAssociation', name: String(member.user_id), target },
              {
                path: '/team/member_delete',
                body: { team_id: team.team_id, user_id: member.user_id },
              },
            ),
          ),
        );
      }
    }
    for (const team of this.observed.teams) {
      if (!this.managed(team) || desiredTeams.has(team)) continue;
      steps.push(
        prune(
          deletion(
            { kind: 'Team', name: String(team.team_id), target: String(team.team_alias) },
            { path: '/team/delete', body: { team_ids: [team.team_id] } },
          ),
        ),
      );
    }
    for (const user of this.observed.users) {
      if (!this.managed(user) || emails.has(lower(user.user_email))) continue;
      steps.push(
        prune(
          deletion(
            { kind: 'User', name: String(user.user_id), target: String(user.user_email) },
            { path: '/user/delete', body: { user_ids: [user.user_id] } },
          ),
        ),
      );
    }
    return steps;
  }

  private warnIgnored(m: Manifest): void {
    const ignored = (IGNORED_FIELDS[m.kind] ?? []).filter(
      (field) => (m.spec as Record<string, unknown>)[field] !== undefined,
    );
    if (ignored.length > 0) {
      this.warnings.push(
        `${m.kind} ${m.metadata.name}: Tollgate does not act on ${ignored.map((f) => `spec.${f}`).join(', ')} yet; ignored`,
      );
    }
  }
}

function deletion(
  base: Pick<Step, 'kind' | 'name' | 'target'>,
  call: PlannedCall | undefined,
): Step {
  return call
    ? { ...base, action: 'delete', changes: [], call }
    : { ...base, action: 'absent', changes: [] };
}

function memberOf(team: ApiObject | undefined, email: string): ApiObject | undefined {
  if (!team) return undefined;
  const member = ((team.members_with_roles ?? []) as ApiObject[]).find(
    (m) => lower(m.user_email) === email.toLowerCase(),
  );
  if (!member) return undefined;
  const membership = ((team.team_memberships ?? []) as ApiObject[]).find(
    (tm) => tm.user_id === member.user_id,
  );
  return { ...member, max_budget_in_team: membership?.max_budget_in_team ?? null };
}

/** The Secret the LiteLLM operator would write for this key: `<instance>-key-<alias>`. */
function secretName(m: UserManifest | KeyManifest, keyAlias: string): string {
  const instance = m.spec.connectionRef.instanceRef?.name ?? 'litellm';
  return `${instance}-key-${keyAlias}`;
}

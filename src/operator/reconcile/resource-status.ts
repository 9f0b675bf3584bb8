/**
 * What a resource's status shows: the gateway object it is bound to (found the same way the
 * planner finds it: user by email, team by ID or alias, key by alias, member by email) and the
 * Ready / Progressing / Degraded conditions with their reasons.
 */
import type { Manifest } from '../../reconcile/manifest-schema.js';
import type { ApiObject, Observed } from '../../reconcile/observe.js';

const lower = (value: unknown) => String(value ?? '').toLowerCase();
const money = (value: unknown) =>
  value === undefined || value === null ? undefined : Number(value).toFixed(2);
const text = (value: unknown) =>
  value === undefined || value === null ? undefined : String(value);

/** The gateway object a manifest names, if it exists (for an association: the team). */
export function boundObject(manifest: Manifest, observed: Observed): ApiObject | undefined {
  switch (manifest.kind) {
    case 'User':
      return observed.users.find(
        (u) => lower(u.user_email) === manifest.spec.userEmail.toLowerCase(),
      );
    case 'Team':
      return manifest.spec.teamID !== undefined
        ? observed.teams.find((t) => t.team_id === manifest.spec.teamID)
        : observed.teams.find((t) => t.team_alias === manifest.spec.teamAlias);
    case 'VirtualKey':
      return observed.keys.find((k) => k.key_alias === manifest.spec.keyAlias);
    default:
      return undefined;
  }
}

export function isManagedBy(object: ApiObject | undefined, managedBy: string): boolean {
  return ((object?.metadata ?? {}) as Record<string, unknown>).managed_by === managedBy;
}

/** Status fields of User, Team and VirtualKey (associations: see membershipStatus). */
export function statusFields(manifest: Manifest, bound: ApiObject | undefined, managedBy: string) {
  if (!bound) return {};
  const adopted = !isManagedBy(bound, managedBy);
  switch (manifest.kind) {
    case 'User':
      return {
        userID: text(bound.user_id),
        userEmail: text(bound.user_email),
        spend: money(bound.spend),
        adopted,
      };
    case 'Team':
      return {
        teamID: text(bound.team_id),
        teamAlias: text(bound.team_alias),
        spend: money(bound.spend),
        members: Array.isArray(bound.members_with_roles) ? bound.members_with_roles.length : 0,
        adopted,
      };
    case 'VirtualKey':
      return {
        keyAlias: text(bound.key_alias),
        keyID: text(bound.token),
        keyName: text(bound.key_name),
        userID: text(bound.user_id),
        teamID: text(bound.team_id),
        spend: money(bound.spend),
        expires: text(bound.expires),
        adopted,
      };
    default:
      return {};
  }
}

export function membershipStatus(team: Manifest, user: Manifest, observed: Observed) {
  const boundTeam = boundObject(team, observed);
  const boundUser = boundObject(user, observed);
  return {
    teamAlias: team.kind === 'Team' ? team.spec.teamAlias : undefined,
    teamID: text(boundTeam?.team_id),
    userEmail: user.kind === 'User' ? user.spec.userEmail : undefined,
    userID: text(boundUser?.user_id),
  };
}

export interface Condition {
  type: 'Ready' | 'Progressing' | 'Degraded';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type Outcome =
  | { ok: true; message: string }
  /** `progressing`: not ready yet but on its way (Progressing, not Degraded). */
  | { ok: false; reason: string; message: string; progressing?: boolean };

/** The three conditions for an outcome; a condition keeps its transition time while its status holds. */
export function conditionsFor(
  outcome: Outcome,
  previous: readonly Condition[],
  at: { generation?: number; now: string },
): Condition[] {
  const reason = outcome.ok ? 'Ready' : outcome.reason;
  const wanted: [Condition['type'], Condition['status']][] = outcome.ok
    ? [
        ['Ready', 'True'],
        ['Progressing', 'False'],
        ['Degraded', 'False'],
      ]
    : [
        ['Ready', 'False'],
        ['Progressing', outcome.progressing ? 'True' : 'False'],
        ['Degraded', outcome.progressing ? 'False' : 'True'],
      ];
  return wanted.map(([type, status]) => {
    const before = previous.find((c) => c.type === type);
    return {
      type,
      status,
      reason,
      message: outcome.message,
      lastTransitionTime: before?.status === status ? before.lastTransitionTime : at.now,
      ...(at.generation !== undefined && { observedGeneration: at.generation }),
    };
  });
}

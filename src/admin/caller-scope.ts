/**
 * What the users, teams and customers APIs ask about a caller: its proxy role, whether it is an
 * admin of a team, and the id written to `created_by` / `updated_by`.
 */
import { MASTER_USER_ID, type Principal } from '../auth/principal.js';
import type { TeamRepository } from '../store/team-repository.js';

export const isProxyAdmin = (caller: Principal): boolean => caller.role === 'proxy_admin';

/** Proxy admins and viewers read everything. */
export const readsEverything = (caller: Principal): boolean =>
  isProxyAdmin(caller) || caller.role === 'proxy_admin_viewer';

/** Who a row was written by: the caller's user, or the master key's id. */
export const actorOf = (caller: Principal): string => caller.userId ?? MASTER_USER_ID;

/** Whether the caller's user holds the `admin` role in the team. */
export async function isTeamAdmin(
  teams: Pick<TeamRepository, 'findMember'>,
  caller: Principal,
  teamId: string,
): Promise<boolean> {
  if (caller.userId === undefined) return false;
  return (await teams.findMember(teamId, caller.userId))?.role === 'admin';
}

/**
 * Finds the users a team request names (LiteLLM's `add_new_member`): by id, or by email in any
 * case. Users that do not exist yet are made as internal users with the operator's defaults; they
 * are written only when the caller stores them, after every check has passed.
 */
import { randomUUID } from 'node:crypto';
import type { InternalUserDefaults } from '../config/gateway-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { BudgetCalendar } from '../spend/budget-calendar.js';
import type { TeamRole } from '../store/team-repository.js';
import type { UserRecord, UserRepository } from '../store/user-repository.js';
import { newUserRecord, withUserDefaults } from './new-user.js';

export interface MemberRef {
  role?: TeamRole | null;
  user_id?: string | null;
  user_email?: string | null;
}

export interface ResolvedMember {
  user: UserRecord;
  /** Not stored yet. */
  isNew: boolean;
  role: TeamRole;
}

export async function resolveMembers(
  users: Pick<UserRepository, 'findById' | 'findByEmail'>,
  refs: readonly MemberRef[],
  options: { defaults: InternalUserDefaults; now: number; calendar: BudgetCalendar },
): Promise<ResolvedMember[]> {
  const resolved = new Map<string, ResolvedMember>();
  const emails = new Map<string, ResolvedMember>();
  for (const ref of refs) {
    const role = ref.role ?? 'user';
    const email = ref.user_email ?? null;
    const known = email === null ? undefined : emails.get(email.toLowerCase());
    let found = ref.user_id ? resolved.get(ref.user_id) : known;
    if (!found) {
      const user = ref.user_id
        ? await users.findById(ref.user_id)
        : await users.findByEmail(email ?? '');
      if (user) found = { user, isNew: false, role };
      else {
        if (ref.user_id && email !== null && (await users.findByEmail(email))) {
          throw new GatewayError('conflict', `User with email ${email} already exists`, {
            param: 'user_email',
          });
        }
        const settings = withUserDefaults(
          { user_email: email, user_role: 'internal_user', teams: null },
          { ...options.defaults, params: { ...options.defaults.params, teams: undefined } },
        );
        found = {
          user: newUserRecord(ref.user_id ?? randomUUID(), settings, options.now, options.calendar),
          isNew: true,
          role,
        };
      }
    }
    resolved.set(found.user.user_id, found);
    if (found.user.user_email) emails.set(found.user.user_email.toLowerCase(), found);
  }
  return [...resolved.values()];
}

/** Stores the users among `members` that do not exist yet. */
export async function storeNewUsers(
  users: Pick<UserRepository, 'create'>,
  members: readonly ResolvedMember[],
): Promise<void> {
  for (const member of members) {
    if (member.isNew) await users.create(member.user);
  }
}

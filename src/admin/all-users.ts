/** The ids of every user of the gateway, read a page at a time through the user repository. */
import type { UserRepository } from '../store/user-repository.js';

const PAGE = 500;

/**
 * Every user id, in the order asked; `atMost`: stop once more than that many are read (a caller
 * that refuses more than `atMost` need not read them all).
 */
export async function allUserIds(
  users: Pick<UserRepository, 'list'>,
  order: { sortBy: 'user_id' | 'created_at'; order: 'asc' | 'desc' },
  atMost = Infinity,
): Promise<string[]> {
  const ids: string[] = [];
  for (let page = 1; ; page += 1) {
    const batch = await users.list({ page, size: PAGE, ...order });
    for (const user of batch.users) ids.push(user.user_id);
    if (batch.users.length < PAGE || ids.length > atMost) return ids;
  }
}

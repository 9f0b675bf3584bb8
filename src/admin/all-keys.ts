/** Every key of a user or a team, read a page at a time through the key repository. */
import type { KeyRecord, KeyRepository } from '../store/key-repository.js';

const PAGE = 500;

export async function allKeys(
  keys: Pick<KeyRepository, 'list'>,
  owner: { userId: string } | { teamId: string },
): Promise<KeyRecord[]> {
  const found: KeyRecord[] = [];
  for (let page = 1; ; page += 1) {
    const batch = await keys.list({ page, size: PAGE, order: 'asc', ...owner });
    found.push(...batch.keys);
    if (batch.keys.length < PAGE) return found;
  }
}

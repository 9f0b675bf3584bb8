/**
 * Invitation links (LiteLLM's InvitationLink). Claiming one is a single conditional update, so a
 * link works once even when two claims race, and the password is set in the same transaction.
 */
import type { Kysely } from 'kysely';
import { rowCodec } from './row-codec.js';
import type { DatabaseSchema, InvitationTable } from './schema.js';
import { transact } from './transact.js';

export interface InvitationRecord extends Omit<InvitationTable, 'is_accepted'> {
  is_accepted: boolean;
}

export type InvitationPatch = Partial<
  Pick<InvitationRecord, 'is_accepted' | 'accepted_at' | 'updated_at' | 'updated_by'>
>;

export interface InvitationListQuery {
  /** 1-based. */
  page: number;
  size: number;
  userId?: string;
}

const codec = rowCodec<InvitationTable, InvitationRecord>({ bool: ['is_accepted'] });

export class InvitationRepository {
  constructor(private readonly db: Kysely<DatabaseSchema>) {}

  async create(invitation: InvitationRecord): Promise<void> {
    await this.db
      .insertInto('invitations')
      .values(codec.write(invitation) as InvitationTable)
      .execute();
  }

  async findById(id: string): Promise<InvitationRecord | undefined> {
    const row = await this.db
      .selectFrom('invitations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && codec.read(row);
  }

  async update(id: string, patch: InvitationPatch): Promise<InvitationRecord | undefined> {
    const row = await this.db
      .updateTable('invitations')
      .set(codec.write(patch))
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && codec.read(row);
  }

  async delete(id: string): Promise<InvitationRecord | undefined> {
    const row = await this.db
      .deleteFrom('invitations')
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && codec.read(row);
  }

  /** Newest first. */
  async list(
    query: InvitationListQuery,
  ): Promise<{ invitations: InvitationRecord[]; total: number }> {
    let q = this.db.selectFrom('invitations');
    if (query.userId !== undefined) q = q.where('user_id', '=', query.userId);
    const [rows, count] = await Promise.all([
      q
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(query.size)
        .offset((query.page - 1) * query.size)
        .execute(),
      q.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst(),
    ]);
    return { invitations: rows.map(codec.read), total: Number(count?.n ?? 0) };
  }

  /**
   * Marks an open, unexpired invitation accepted and stores its user's password hash, together.
   * Undefined when the invitation was already accepted or expired by `at` (nothing is changed).
   */
  async claim(
    id: string,
    claim: { at: string; passwordHash: string },
  ): Promise<InvitationRecord | undefined> {
    return transact(this.db, async (trx) => {
      const row = await trx
        .updateTable('invitations')
        .set({ is_accepted: 1, accepted_at: claim.at, updated_at: claim.at })
        .where('id', '=', id)
        .where('is_accepted', '=', 0)
        .where('expires_at', '>', claim.at)
        .returningAll()
        .executeTakeFirst();
      if (!row) return undefined;
      await trx
        .updateTable('users')
        .set({ password_hash: claim.passwordHash })
        .where('user_id', '=', row.user_id)
        .execute();
      return codec.read(row);
    });
  }
}

/**
 * The repositories as the admin API writes through them, bound to the caller that makes the change
 * (`auditedRepositories(db, actor)`, `Store.auditedBy`): each mutation is made in one transaction
 * with its audit-log rows: the row before, the row after (secrets removed), and the rows that went
 * with it (a user's or a team's keys and memberships). Everything else (the request path, spend
 * booking, the model poller) uses the plain repositories and writes no audit row.
 *
 * The actor is passed explicitly rather than through AsyncLocalStorage: on Node 20 that turns on
 * promise hooks for the whole process once used, which cost every later request ~11 µs of CPU.
 */
import type { Kysely } from 'kysely';
import {
  AuditRepository,
  auditId,
  type AuditAction,
  type AuditRecord,
} from './audit-repository.js';
import {
  CustomerRepository,
  type CustomerPatch,
  type CustomerRecord,
} from './customer-repository.js';
import {
  InvitationRepository,
  type InvitationPatch,
  type InvitationRecord,
} from './invitation-repository.js';
import { BudgetRepository, type BudgetPatch, type BudgetRecord } from './budget-repository.js';
import {
  OrganizationRepository,
  type OrganizationMemberPatch,
  type OrganizationMemberRecord,
  type OrganizationPatch,
  type OrganizationRecord,
} from './organization-repository.js';
import {
  deleteKeyRows,
  KeyRepository,
  type KeyPatch,
  type KeyRecord,
  type Rotation,
} from './key-repository.js';
import { ModelRepository, type ModelPatch, type ModelRecord } from './model-repository.js';
import type { DatabaseSchema } from './schema.js';
import {
  TeamRepository,
  type TeamMemberPatch,
  type TeamMemberRecord,
  type TeamPatch,
  type TeamRecord,
} from './team-repository.js';
import { TagRepository, type TagPatch, type TagRecord } from './tag-repository.js';
import { transact } from './transact.js';
import { UserRepository, type UserPatch, type UserRecord } from './user-repository.js';

type Db = Kysely<DatabaseSchema>;

/** Who is making a change: the caller's user id and the SHA-256 of the key it used. */
export interface AuditActor {
  userId: string | null;
  keyHash: string | null;
}

/** The actor of a change made by an authenticated caller (a principal). */
export function auditActorOf(caller: { userId?: string; keyHash?: string }): AuditActor {
  return { userId: caller.userId ?? null, keyHash: caller.keyHash ?? null };
}

interface Change {
  before?: object | null;
  after?: object | null;
}

type Log = (action: AuditAction, table: string, objectId: string, change: Change) => void;

/** Where a change is made, and by whom. */
interface AuditTarget {
  db: Db;
  actor: AuditActor;
}

/** Runs `work` in a transaction that also writes what it logged. */
async function audited<T>(
  { db, actor }: AuditTarget,
  work: (trx: Db, log: Log) => Promise<T>,
): Promise<T> {
  return transact(db, async (trx) => {
    const entries: AuditRecord[] = [];
    const now = Date.now();
    const at = new Date(now).toISOString();
    const log: Log = (action, table, objectId, { before, after }) => {
      entries.push({
        id: auditId(now),
        created_at: at,
        changed_by: actor.userId,
        changed_by_api_key: actor.keyHash,
        action,
        table_name: table,
        object_id: objectId,
        before_value: before ? redactSecrets(before) : null,
        updated_values: after ? redactSecrets(after) : null,
      });
    };
    const result = await work(trx, log);
    await new AuditRepository(trx).record(entries);
    return result;
  });
}

const SECRET_FIELD =
  /pass(word)?|secret|api_?key|private_?key|access_?key|credential|session_?token|ad_?token/i;

/**
 * A copy of `value` fit for the audit log: fields that name a secret (passwords, API keys,
 * provider credentials) replaced by "[redacted]", and any raw virtual key (`sk-...`) shortened to
 * its last four characters as LiteLLM shows it. Key ids (`token`, SHA-256) are kept.
 */
export function redactSecrets(value: object): Record<string, unknown> {
  return redact(value) as Record<string, unknown>;
}

function redact(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.startsWith('sk-') && !value.startsWith('sk-...')
      ? `sk-...${value.slice(-4)}`
      : value;
  }
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    out[name] =
      SECRET_FIELD.test(name) && field !== null && field !== undefined
        ? '[redacted]'
        : redact(field);
  }
  return out;
}

/** A patch that only sets the blocked flag (besides who and when) is a block or an unblock. */
function actionOf(patch: object): AuditAction {
  const fields = Object.keys(patch).filter((f) => f !== 'updated_at' && f !== 'updated_by');
  if (fields.length === 1 && fields[0] === 'blocked') {
    return (patch as { blocked?: boolean }).blocked ? 'blocked' : 'unblocked';
  }
  return 'updated';
}

const memberId = (m: Pick<TeamMemberRecord, 'team_id' | 'user_id'>) => `${m.team_id}:${m.user_id}`;
const orgMemberId = (m: Pick<OrganizationMemberRecord, 'organization_id' | 'user_id'>) =>
  `${m.organization_id}:${m.user_id}`;

/** The keys a cascade is about to delete, with their settings. */
async function keysWhere(
  trx: Db,
  filter: {
    userIds?: readonly string[];
    teamIds?: readonly string[];
    teamId?: string;
    userId?: string;
  },
): Promise<KeyRecord[]> {
  let q = trx.selectFrom('keys').select('token');
  if (filter.userIds) q = q.where('user_id', 'in', [...filter.userIds]);
  if (filter.teamIds) q = q.where('team_id', 'in', [...filter.teamIds]);
  if (filter.teamId !== undefined) q = q.where('team_id', '=', filter.teamId);
  if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
  const tokens = (await q.execute()).map((r) => r.token);
  return new KeyRepository(trx).findByHashes(tokens);
}

function logDeleted(log: Log, keys: readonly KeyRecord[], members: readonly TeamMemberRecord[]) {
  for (const k of keys) log('deleted', 'keys', k.token, { before: k });
  for (const m of members) log('deleted', 'team_members', memberId(m), { before: m });
}

export class AuditedKeyRepository extends KeyRepository {
  private readonly target: AuditTarget;

  constructor(db: Db, actor: AuditActor) {
    super(db);
    this.target = { db, actor };
  }

  override create(key: KeyRecord): Promise<void> {
    return audited(this.target, async (trx, log) => {
      await new KeyRepository(trx).create(key);
      log('created', 'keys', key.token, { after: key });
    });
  }

  override update(token: string, patch: KeyPatch): Promise<KeyRecord | undefined> {
    return audited(this.target, async (trx, log) => {
      const keys = new KeyRepository(trx);
      const before = await keys.findByHash(token);
      const after = await keys.update(token, patch);
      if (after) log(actionOf(patch), 'keys', token, { before, after });
      return after;
    });
  }

  override delete(tokens: readonly string[]): Promise<number> {
    return audited(this.target, async (trx, log) => {
      const keys = new KeyRepository(trx);
      const before = await keys.findByHashes(tokens);
      const deleted = await keys.delete(tokens);
      logDeleted(log, before, []);
      return deleted;
    });
  }

  override rotate(oldToken: string, rotation: Rotation): Promise<KeyRecord | undefined> {
    return audited(this.target, async (trx, log) => {
      const keys = new KeyRepository(trx);
      const before = await keys.findByHash(oldToken);
      const after = await keys.rotate(oldToken, rotation);
      if (after) log('regenerated', 'keys', after.token, { before, after });
      return after;
    });
  }
}

export class AuditedUserRepository extends UserRepository {
  private readonly target: AuditTarget;

  constructor(db: Db, actor: AuditActor) {
    super(db);
    this.target = { db, actor };
  }

  override create(user: UserRecord): Promise<void> {
    return audited(this.target, async (trx, log) => {
      await new UserRepository(trx).create(user);
      log('created', 'users', user.user_id, { after: user });
    });
  }

  override update(userId: string, patch: UserPatch): Promise<UserRecord | undefined> {
    return audited(this.target, async (trx, log) => {
      const users = new UserRepository(trx);
      const before = await users.findById(userId);
      const after = await users.update(userId, patch);
      if (after) log('updated', 'users', userId, { before, after });
      return after;
    });
  }

  /** Logged as a change of the password, never with the hash. */
  override setPasswordHash(userId: string, hash: string | null): Promise<void> {
    return audited(this.target, async (trx, log) => {
      await new UserRepository(trx).setPasswordHash(userId, hash);
      log('updated', 'users', userId, { after: { user_id: userId, password: hash } });
    });
  }

  override delete(userIds: readonly string[]): Promise<string[]> {
    return audited(this.target, async (trx, log) => {
      const users = new UserRepository(trx);
      const before = await users.findByIds(userIds);
      const keys = await keysWhere(trx, { userIds });
      const members = await new TeamRepository(trx).membershipsOf({ userIds });
      const organizations = new OrganizationRepository(trx);
      const orgMembers = (
        await Promise.all(userIds.map((id) => organizations.membershipsOf(id)))
      ).flat();
      const tokens = await users.delete(userIds);
      for (const u of before) log('deleted', 'users', u.user_id, { before: u });
      logDeleted(log, keys, members);
      for (const m of orgMembers) {
        log('deleted', 'organization_members', orgMemberId(m), { before: m });
      }
      return tokens;
    });
  }
}

export class AuditedTeamRepository extends TeamRepository {
  private readonly target: AuditTarget;

  constructor(db: Db, actor: AuditActor) {
    super(db);
    this.target = { db, actor };
  }

  override create(team: TeamRecord): Promise<void> {
    return audited(this.target, async (trx, log) => {
      await new TeamRepository(trx).create(team);
      log('created', 'teams', team.team_id, { after: team });
    });
  }

  override update(teamId: string, patch: TeamPatch): Promise<TeamRecord | undefined> {
    return audited(this.target, async (trx, log) => {
      const teams = new TeamRepository(trx);
      const before = await teams.findById(teamId);
      const after = await teams.update(teamId, patch);
      if (after) log(actionOf(patch), 'teams', teamId, { before, after });
      return after;
    });
  }

  override addMember(member: TeamMemberRecord): Promise<void> {
    return audited(this.target, async (trx, log) => {
      await new TeamRepository(trx).addMember(member);
      log('created', 'team_members', memberId(member), { after: member });
    });
  }

  override updateMember(
    teamId: string,
    userId: string,
    patch: TeamMemberPatch,
  ): Promise<TeamMemberRecord | undefined> {
    return audited(this.target, async (trx, log) => {
      const teams = new TeamRepository(trx);
      const before = await teams.findMember(teamId, userId);
      const after = await teams.updateMember(teamId, userId, patch);
      if (after) log('updated', 'team_members', memberId(after), { before, after });
      return after;
    });
  }

  override removeMember(teamId: string, userId: string): Promise<string[]> {
    return audited(this.target, async (trx, log) => {
      const teams = new TeamRepository(trx);
      const before = await teams.findMember(teamId, userId);
      const keys = await keysWhere(trx, { teamId, userId });
      const tokens = await teams.removeMember(teamId, userId);
      logDeleted(log, keys, before ? [before] : []);
      return tokens;
    });
  }

  override delete(teamIds: readonly string[]): Promise<string[]> {
    return audited(this.target, async (trx, log) => {
      const teams = new TeamRepository(trx);
      const before = await teams.findByIds(teamIds);
      const keys = await keysWhere(trx, { teamIds });
      const members = await teams.membershipsOf({ teamIds });
      const tokens = await teams.delete(teamIds);
      for (const t of before) log('deleted', 'teams', t.team_id, { before: t });
      logDeleted(log, keys, members);
      return tokens;
    });
  }
}

export class AuditedCustomerRepository extends CustomerRepository {
  private readonly target: AuditTarget;

  constructor(db: Db, actor: AuditActor) {
    super(db);
    this.target = { db, actor };
  }

  override create(customer: CustomerRecord): Promise<void> {
    return audited(this.target, async (trx, log) => {
      await new CustomerRepository(trx).create(customer);
      log('created', 'customers', customer.user_id, { after: customer });
    });
  }

  override update(userId: string, patch: CustomerPatch): Promise<CustomerRecord | undefined> {
    return audited(this.target, async (trx, log) => {
      const customers = new CustomerRepository(trx);
      const before = await customers.findById(userId);
      const after = await customers.update(userId, patch);
      if (after) log(actionOf(patch), 'customers', userId, { before, after });
      return after;
    });
  }

  override setBlocked(
    userIds: readonly string[],
    blocked: boolean,
    at: string,
  ): Promise<CustomerRecord[]> {
    return audited(this.target, async (trx, log) => {
      const customers = new CustomerRepository(trx);
      const before = new Map((await customers.findByIds(userIds)).map((c) => [c.user_id, c]));
      const rows = await customers.setBlocked(userIds, blocked, at);
      for (const row of rows) {
        log(blocked ? 'blocked' : 'unblocked', 'customers', row.user_id, {
          before: before.get(row.user_id),
          after: row,
        });
      }
      return rows;
    });
  }

  override delete(userIds: readonly string[]): Promise<number> {
    return audited(this.target, async (trx, log) => {
      const customers = new CustomerRepository(trx);
      const before = await customers.findByIds(userIds);
      const deleted = await customers.delete(userIds);
      for (const c of before) log('deleted', 'customers', c.user_id, { before: c });
      return deleted;
    });
  }
}

export class AuditedBudgetRepository extends BudgetRepository {
  private readonly target: AuditTarget;

  constructor(db: Db, actor: AuditActor) {
    super(db);
    this.target = { db, actor };
  }

  override create(budget: BudgetRecord): Promise<void> {
    return audited(this.target, async (trx, log) => {
      await new BudgetRepository(trx).create(budget);
      log('created', 'budgets', budget.budget_id, { after: budget });
    });
  }

  override update(budgetId: string, patch: BudgetPatch): Promise<BudgetRecord | undefined> {
    return audited(this.target, async (trx, log) => {
      const budgets = new BudgetRepository(trx);
      const before = await budgets.findById(budgetId);
      const after = await budgets.update(budgetId, patch);
      if (before && after) log('updated', 'budgets', budgetId, { before, after });
      return after;
    });
  }

  override delete(budgetId: string): Promise<boolean> {
    return audited(this.target, async (trx, log) => {
      const budgets = new BudgetRepository(trx);
      const before = await budgets.findById(budgetId);
      const deleted = await budgets.delete(budgetId);
      if (before && deleted) log('deleted', 'budgets', budgetId, { before });
      return deleted;
    });
  }
}

/** Models stored in the database; their credentials are redacted (they are also encrypted). */
export class AuditedModelRepository extends ModelRepository {
  private readonly target: AuditTarget;

  constructor(db: Db, actor: AuditActor) {
    super(db);
    this.target = { db, actor };
  }

  override create(model: ModelRecord): Promise<void> {
    return audited(this.target, async (trx, log) => {
      await new ModelRepository(trx).create(model);
      log('created', 'models', model.model_id, { after: model });
    });
  }

  override update(modelId: string, patch: ModelPatch): Promise<ModelRecord | undefined> {
    return audited(this.target, async (trx, log) => {
      const models = new ModelRepository(trx);
      const before = await models.findById(modelId);
      const after = await models.update(modelId, patch);
      if (before && after) log('updated', 'models', modelId, { before, after });
      return after;
    });
  }

  override delete(modelId: string): Promise<boolean> {
    return audited(this.target, async (trx, log) => {
      const models = new ModelRepository(trx);
      const before = await models.findById(modelId);
      const deleted = await models.delete(modelId);
      if (before && deleted) log('deleted', 'models', modelId, { before });
      return deleted;
    });
  }
}

/**
 * Invitation links. A claim is the invited user's own change (the actor given is that user): the
 * invitation accepted and the user's password set, logged without the hash.
 */
export class AuditedInvitationRepository extends InvitationRepository {
  private readonly target: AuditTarget;

  constructor(db: Db, actor: AuditActor) {
    super(db);
    this.target = { db, actor };
  }

  override create(invitation: InvitationRecord): Promise<void> {
    return audited(this.target, async (trx, log) => {
      await new InvitationRepository(trx).create(invitation);
      log('created', 'invitations', invitation.id, { after: invitation });
    });
  }

  override update(id: string, patch: InvitationPatch): Promise<InvitationRecord | undefined> {
    return audited(this.target, async (trx, log) => {
      const invitations = new InvitationRepository(trx);
      const before = await invitations.findById(id);
      const after = await invitations.update(id, patch);
      if (after) log('updated', 'invitations', id, { before, after });
      return after;
    });
  }

  override delete(id: string): Promise<InvitationRecord | undefined> {
    return audited(this.target, async (trx, log) => {
      const deleted = await new InvitationRepository(trx).delete(id);
      if (deleted) log('deleted', 'invitations', id, { before: deleted });
      return deleted;
    });
  }

  override claim(
    id: string,
    claim: { at: string; passwordHash: string },
  ): Promise<InvitationRecord | undefined> {
    return audited(this.target, async (trx, log) => {
      const invitations = new InvitationRepository(trx);
      const before = await invitations.findById(id);
      const after = await invitations.claim(id, claim);
      if (after) {
        log('updated', 'invitations', id, { before, after });
        log('updated', 'users', after.user_id, {
          after: { user_id: after.user_id, password: claim.passwordHash },
        });
      }
      return after;
    });
  }
}

export class AuditedOrganizationRepository extends OrganizationRepository {
  private readonly target: AuditTarget;

  constructor(db: Db, actor: AuditActor) {
    super(db);
    this.target = { db, actor };
  }

  /** Creates the organization, and the budget of its own when it comes with one, together. */
  override create(organization: OrganizationRecord, budget?: BudgetRecord): Promise<void> {
    return audited(this.target, async (trx, log) => {
      if (budget) {
        await new BudgetRepository(trx).create(budget);
        log('created', 'budgets', budget.budget_id, { after: budget });
      }
      await new OrganizationRepository(trx).create(organization);
      log('created', 'organizations', organization.organization_id, { after: organization });
    });
  }

  override update(
    organizationId: string,
    patch: OrganizationPatch,
  ): Promise<OrganizationRecord | undefined> {
    return audited(this.target, async (trx, log) => {
      const organizations = new OrganizationRepository(trx);
      const before = await organizations.findById(organizationId);
      const after = await organizations.update(organizationId, patch);
      if (before && after) log('updated', 'organizations', organizationId, { before, after });
      return after;
    });
  }

  /**
   * Deletes the organization with its teams (their keys and memberships), its own keys and its
   * memberships, in one transaction, as LiteLLM's `/organization/delete` does; returns the hashes
   * of the keys that went, or undefined when there was no such organization.
   */
  async deleteWithTeams(organizationId: string): Promise<string[] | undefined> {
    return audited(this.target, async (trx, log) => {
      const organizations = new OrganizationRepository(trx);
      const before = await organizations.findById(organizationId);
      if (!before) return undefined;
      const teamIds = await organizations.teamIdsOf([organizationId]);
      const teams = new TeamRepository(trx);
      const teamRows = await teams.findByIds(teamIds);
      const ownKeys = await new KeyRepository(trx).findByHashes(
        await organizations.keyTokensOf([organizationId]),
      );
      const hasTeams = teamIds.length > 0;
      const keys = [...(hasTeams ? await keysWhere(trx, { teamIds }) : []), ...ownKeys];
      const teamMembers = hasTeams ? await teams.membershipsOf({ teamIds }) : [];
      const members = await organizations.membersOf([organizationId]);
      const tokens = await teams.delete(teamIds);
      const own = ownKeys.map((k) => k.token);
      await deleteKeyRows(trx, own);
      tokens.push(...own);
      await organizations.delete(organizationId);
      for (const t of teamRows) log('deleted', 'teams', t.team_id, { before: t });
      logDeleted(log, keys, teamMembers);
      for (const m of members)
        log('deleted', 'organization_members', orgMemberId(m), { before: m });
      log('deleted', 'organizations', organizationId, { before });
      return tokens;
    });
  }

  override addMember(member: OrganizationMemberRecord): Promise<void> {
    return audited(this.target, async (trx, log) => {
      await new OrganizationRepository(trx).addMember(member);
      log('created', 'organization_members', orgMemberId(member), { after: member });
    });
  }

  override updateMember(
    organizationId: string,
    userId: string,
    patch: OrganizationMemberPatch,
  ): Promise<OrganizationMemberRecord | undefined> {
    return audited(this.target, async (trx, log) => {
      const organizations = new OrganizationRepository(trx);
      const before = await organizations.findMember(organizationId, userId);
      const after = await organizations.updateMember(organizationId, userId, patch);
      if (before && after) {
        log('updated', 'organization_members', orgMemberId(after), { before, after });
      }
      return after;
    });
  }

  /**
   * Takes a member out with the keys it holds for the organization (its own keys that name it),
   * in one transaction; returns the hashes of those keys.
   */
  removeMember(organizationId: string, userId: string): Promise<string[]> {
    return audited(this.target, async (trx, log) => {
      const organizations = new OrganizationRepository(trx);
      const before = await organizations.findMember(organizationId, userId);
      const tokens = await organizations.keyTokensOf([organizationId], userId);
      const keys = await new KeyRepository(trx).findByHashes(tokens);
      await deleteKeyRows(trx, tokens);
      const deleted = await organizations.deleteMember(organizationId, userId);
      for (const k of keys) log('deleted', 'keys', k.token, { before: k });
      if (before && deleted) {
        log('deleted', 'organization_members', orgMemberId(before), { before });
      }
      return tokens;
    });
  }
}

/** The repositories that record their changes in the audit log as made by `actor`. */
export interface AuditedRepositories {
  keys: AuditedKeyRepository;
  users: AuditedUserRepository;
  teams: AuditedTeamRepository;
  customers: AuditedCustomerRepository;
  budgets: AuditedBudgetRepository;
  organizations: AuditedOrganizationRepository;
  tags: AuditedTagRepository;
  models: AuditedModelRepository;
  invitations: AuditedInvitationRepository;
}

/**
 * The repositories of `store` that record the changes of `caller` (an authenticated principal) in
 * the audit log: what every admin service writes through.
 */
export class AuditedTagRepository extends TagRepository {
  private readonly target: AuditTarget;

  constructor(db: Db, actor: AuditActor) {
    super(db);
    this.target = { db, actor };
  }

  /** Creates the tag, and the budget of its own when it comes with one, together. */
  override create(tag: TagRecord, budget?: BudgetRecord): Promise<void> {
    return audited(this.target, async (trx, log) => {
      if (budget) {
        await new BudgetRepository(trx).create(budget);
        log('created', 'budgets', budget.budget_id, { after: budget });
      }
      await new TagRepository(trx).create(tag);
      log('created', 'tags', tag.tag_name, { after: tag });
    });
  }

  override update(name: string, patch: TagPatch): Promise<TagRecord | undefined> {
    return audited(this.target, async (trx, log) => {
      const tags = new TagRepository(trx);
      const before = await tags.findByName(name);
      const after = await tags.update(name, patch);
      if (before && after) log('updated', 'tags', name, { before, after });
      return after;
    });
  }

  override delete(name: string): Promise<boolean> {
    return audited(this.target, async (trx, log) => {
      const tags = new TagRepository(trx);
      const before = await tags.findByName(name);
      const deleted = await tags.delete(name);
      if (before && deleted) log('deleted', 'tags', name, { before });
      return deleted;
    });
  }
}

export function changesBy(
  store: { auditedBy(actor: AuditActor): AuditedRepositories },
  caller: { userId?: string; keyHash?: string },
): AuditedRepositories {
  return store.auditedBy(auditActorOf(caller));
}

export function auditedRepositories(db: Db, actor: AuditActor): AuditedRepositories {
  return {
    keys: new AuditedKeyRepository(db, actor),
    users: new AuditedUserRepository(db, actor),
    teams: new AuditedTeamRepository(db, actor),
    customers: new AuditedCustomerRepository(db, actor),
    budgets: new AuditedBudgetRepository(db, actor),
    organizations: new AuditedOrganizationRepository(db, actor),
    tags: new AuditedTagRepository(db, actor),
    models: new AuditedModelRepository(db, actor),
    invitations: new AuditedInvitationRepository(db, actor),
  };
}

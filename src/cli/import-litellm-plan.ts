/**
 * What `tollgate import-litellm` does to Tollgate's store: each imported object is created, updated
 * (only the fields that differ) or left unchanged, matched by its id (a key by its hash), so a
 * second run changes nothing. The plan is made by reading the store; `--dry-run` prints it, a real
 * run applies it in one transaction.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Kysely } from 'kysely';
import { BudgetRepository, type BudgetRecord } from '../store/budget-repository.js';
import { CustomerRepository, type CustomerRecord } from '../store/customer-repository.js';
import { KeyRepository, type KeyRecord } from '../store/key-repository.js';
import {
  OrganizationRepository,
  type OrganizationMemberRecord,
  type OrganizationRecord,
} from '../store/organization-repository.js';
import type { DatabaseSchema } from '../store/schema.js';
import { TagRepository, type TagRecord } from '../store/tag-repository.js';
import {
  TeamRepository,
  type TeamMemberRecord,
  type TeamRecord,
} from '../store/team-repository.js';
import { transact } from '../store/transact.js';
import { UserRepository, type UserRecord } from '../store/user-repository.js';
import { keyLabel, type ImportSet } from './import-litellm-mapping.js';

export type ImportKind =
  | 'user'
  | 'budget'
  | 'organization'
  | 'organization_member'
  | 'tag'
  | 'team'
  | 'member'
  | 'key'
  | 'customer';

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface ImportStep {
  kind: ImportKind;
  /** How the object is named in the report. */
  target: string;
  action: 'create' | 'update' | 'unchanged';
  changes: FieldChange[];
}

export interface ImportPlan {
  steps: ImportStep[];
  warnings: string[];
  /** Applies the creates and updates, in one transaction. */
  apply(): Promise<void>;
}

interface Repos {
  db: Kysely<DatabaseSchema>;
  users: UserRepository;
  teams: TeamRepository;
  keys: KeyRepository;
  customers: CustomerRepository;
  budgets: BudgetRepository;
  organizations: OrganizationRepository;
  tags: TagRepository;
}

/** How one kind of object is matched, compared and written. */
interface KindSpec<R> {
  kind: ImportKind;
  idOf(record: R): string;
  label(record: R): string;
  /** Fields the import does not carry over: kept as they are in the store. */
  kept: readonly string[];
  find(repos: Repos, records: readonly R[]): Promise<R[]>;
  create(repos: Repos, record: R): Promise<void>;
  update(repos: Repos, record: R, patch: Partial<R>): Promise<void>;
}

const ALWAYS_KEPT = ['created_at', 'updated_at'];

const USERS: KindSpec<UserRecord> = {
  kind: 'user',
  idOf: (u) => u.user_id,
  label: (u) => (u.user_email === null ? u.user_id : `${u.user_id} (${u.user_email})`),
  kept: ALWAYS_KEPT,
  find: (repos, users) =>
    inChunks(
      users.map((u) => u.user_id),
      (ids) => repos.users.findByIds(ids),
    ),
  create: (repos, user) => repos.users.create(user),
  update: async (repos, user, patch) => {
    await repos.users.update(user.user_id, { ...patch, updated_at: user.updated_at });
  },
};

const BUDGETS: KindSpec<BudgetRecord> = {
  kind: 'budget',
  idOf: (b) => b.budget_id,
  label: (b) => b.budget_id,
  kept: [...ALWAYS_KEPT, 'created_by'],
  find: (repos, budgets) =>
    inChunks(
      budgets.map((b) => b.budget_id),
      (ids) => repos.budgets.findByIds(ids),
    ),
  create: (repos, budget) => repos.budgets.create(budget),
  update: async (repos, budget, patch) => {
    await repos.budgets.update(budget.budget_id, { ...patch, updated_at: budget.updated_at });
  },
};

const ORGANIZATIONS: KindSpec<OrganizationRecord> = {
  kind: 'organization',
  idOf: (o) => o.organization_id,
  label: (o) =>
    o.organization_alias === o.organization_id
      ? o.organization_id
      : `${o.organization_id} (${o.organization_alias})`,
  kept: [...ALWAYS_KEPT, 'created_by'],
  find: (repos, organizations) =>
    inChunks(
      organizations.map((o) => o.organization_id),
      (ids) => repos.organizations.list(ids),
    ),
  create: (repos, organization) => repos.organizations.create(organization),
  update: async (repos, organization, patch) => {
    // spend is no admin's to patch, so the repository leaves it out; the import carries it over.
    const { spend, ...settings } = patch;
    await repos.organizations.update(organization.organization_id, {
      ...settings,
      updated_at: organization.updated_at,
    });
    if (spend === undefined) return;
    await repos.db
      .updateTable('organizations')
      .set({ spend })
      .where('organization_id', '=', organization.organization_id)
      .execute();
  },
};

const ORGANIZATION_MEMBERS: KindSpec<OrganizationMemberRecord> = {
  kind: 'organization_member',
  idOf: (m) => `${m.organization_id}/${m.user_id}`,
  label: (m) => `${m.user_id} in ${m.organization_id}`,
  kept: ALWAYS_KEPT,
  find: (repos, members) =>
    inChunks([...new Set(members.map((m) => m.organization_id))], (ids) =>
      repos.organizations.membersOf(ids),
    ),
  create: (repos, member) => repos.organizations.addMember(member),
  update: async (repos, member, patch) => {
    const { spend, ...settings } = patch;
    await repos.organizations.updateMember(member.organization_id, member.user_id, {
      ...settings,
      updated_at: member.updated_at,
    });
    if (spend === undefined) return;
    await repos.db
      .updateTable('organization_members')
      .set({ spend })
      .where('organization_id', '=', member.organization_id)
      .where('user_id', '=', member.user_id)
      .execute();
  },
};

const TAGS: KindSpec<TagRecord> = {
  kind: 'tag',
  idOf: (t) => t.tag_name,
  label: (t) => t.tag_name,
  kept: [...ALWAYS_KEPT, 'created_by'],
  find: (repos, tags) =>
    inChunks(
      tags.map((t) => t.tag_name),
      (names) => repos.tags.list(names),
    ),
  create: (repos, tag) => repos.tags.create(tag),
  update: async (repos, tag, patch) => {
    // spend is no admin's to patch, so the repository leaves it out; the import carries it over.
    const { spend, ...settings } = patch;
    await repos.tags.update(tag.tag_name, { ...settings, updated_at: tag.updated_at });
    if (spend === undefined) return;
    await repos.db
      .updateTable('tags')
      .set({ spend })
      .where('tag_name', '=', tag.tag_name)
      .execute();
  },
};

const TEAMS: KindSpec<TeamRecord> = {
  kind: 'team',
  idOf: (t) => t.team_id,
  label: (t) => (t.team_alias === null ? t.team_id : `${t.team_id} (${t.team_alias})`),
  kept: ALWAYS_KEPT,
  find: (repos, teams) =>
    inChunks(
      teams.map((t) => t.team_id),
      (ids) => repos.teams.findByIds(ids),
    ),
  create: (repos, team) => repos.teams.create(team),
  update: async (repos, team, patch) => {
    await repos.teams.update(team.team_id, { ...patch, updated_at: team.updated_at });
  },
};

const MEMBERS: KindSpec<TeamMemberRecord> = {
  kind: 'member',
  idOf: (m) => `${m.team_id}/${m.user_id}`,
  label: (m) => `${m.user_id} in ${m.team_id}`,
  kept: ['created_at'],
  find: (repos, members) =>
    inChunks([...new Set(members.map((m) => m.team_id))], (teamIds) =>
      repos.teams.membershipsOf({ teamIds }),
    ),
  create: (repos, member) => repos.teams.addMember(member),
  update: async (repos, member, patch) => {
    // spend is no admin's to patch, so the repository leaves it out; the import carries it over.
    const { spend, ...settings } = patch;
    await repos.teams.updateMember(member.team_id, member.user_id, settings);
    if (spend === undefined) return;
    await repos.db
      .updateTable('team_members')
      .set({ spend })
      .where('team_id', '=', member.team_id)
      .where('user_id', '=', member.user_id)
      .execute();
  },
};

const KEYS: KindSpec<KeyRecord> = {
  kind: 'key',
  idOf: (k) => k.token,
  label: keyLabel,
  // key_type is Tollgate's own; LiteLLM keeps no such column.
  kept: [...ALWAYS_KEPT, 'key_type', 'created_by'],
  find: (repos, keys) =>
    inChunks(
      keys.map((k) => k.token),
      (ids) => repos.keys.findByHashes(ids),
    ),
  create: (repos, key) => repos.keys.create(key),
  update: async (repos, key, patch) => {
    await repos.keys.update(key.token, { ...patch, updated_at: key.updated_at });
  },
};

const CUSTOMERS: KindSpec<CustomerRecord> = {
  kind: 'customer',
  idOf: (c) => c.user_id,
  label: (c) => (c.alias === null ? c.user_id : `${c.user_id} (${c.alias})`),
  // LiteLLM keeps no metadata or times for end users.
  kept: [...ALWAYS_KEPT, 'metadata'],
  find: (repos, customers) =>
    inChunks(
      customers.map((c) => c.user_id),
      (ids) => repos.customers.findByIds(ids),
    ),
  create: (repos, customer) => repos.customers.create(customer),
  update: async (repos, customer, patch) => {
    await repos.customers.update(customer.user_id, { ...patch, updated_at: customer.updated_at });
  },
};

export async function planImport(db: Kysely<DatabaseSchema>, set: ImportSet): Promise<ImportPlan> {
  const repos = reposOver(db);
  const warnings = [...set.warnings];
  const users = await withoutTakenEmails(repos, set.users, warnings);
  const keys = await withoutTakenAliases(repos, set.keys, warnings);
  // Budgets, organizations and tags first: the organizations and tags name their budgets, the
  // teams the organizations.
  const parts = [
    await planKind(repos, USERS, users),
    await planKind(repos, BUDGETS, set.budgets),
    await planKind(repos, ORGANIZATIONS, set.organizations),
    await planKind(repos, ORGANIZATION_MEMBERS, set.organizationMembers),
    await planKind(repos, TAGS, set.tags),
    await planKind(repos, TEAMS, set.teams),
    await planKind(repos, MEMBERS, set.members),
    await planKind(repos, KEYS, keys),
    await planKind(repos, CUSTOMERS, set.customers),
  ];
  return {
    steps: parts.flatMap((p) => p.steps),
    warnings,
    apply: () =>
      transact(db, async (trx) => {
        const inTransaction = reposOver(trx);
        for (const part of parts) await part.apply(inTransaction);
      }),
  };
}

function reposOver(db: Kysely<DatabaseSchema>): Repos {
  return {
    db,
    users: new UserRepository(db),
    teams: new TeamRepository(db),
    keys: new KeyRepository(db),
    customers: new CustomerRepository(db),
    budgets: new BudgetRepository(db),
    organizations: new OrganizationRepository(db),
    tags: new TagRepository(db),
  };
}

async function planKind<R extends object>(
  repos: Repos,
  spec: KindSpec<R>,
  records: readonly R[],
): Promise<{ steps: ImportStep[]; apply(repos: Repos): Promise<void> }> {
  const existing = new Map((await spec.find(repos, records)).map((r) => [spec.idOf(r), r]));
  const writes: ((repos: Repos) => Promise<void>)[] = [];
  const steps = records.map((record): ImportStep => {
    const step = { kind: spec.kind, target: spec.label(record) };
    const stored = existing.get(spec.idOf(record));
    if (!stored) {
      writes.push((r) => spec.create(r, record));
      return { ...step, action: 'create', changes: [] };
    }
    const changes = changedFields(stored, record, spec.kept);
    if (changes.length === 0) return { ...step, action: 'unchanged', changes };
    const patch = Object.fromEntries(changes.map((c) => [c.field, c.to])) as Partial<R>;
    writes.push((r) => spec.update(r, record, patch));
    return { ...step, action: 'update', changes };
  });
  return {
    steps,
    apply: async (r) => {
      for (const write of writes) await write(r);
    },
  };
}

function changedFields(stored: object, wanted: object, kept: readonly string[]): FieldChange[] {
  const from = stored as Record<string, unknown>;
  return Object.entries(wanted)
    .filter(([field, to]) => !kept.includes(field) && !isDeepStrictEqual(from[field], to))
    .map(([field, to]) => ({ field, from: from[field], to }));
}

/** Emails are unique in Tollgate: one another user of the store already has is left out. */
async function withoutTakenEmails(
  repos: Repos,
  users: readonly UserRecord[],
  warnings: string[],
): Promise<UserRecord[]> {
  const out: UserRecord[] = [];
  for (const user of users) {
    const holder =
      user.user_email === null ? undefined : await repos.users.findByEmail(user.user_email);
    if (holder && holder.user_id !== user.user_id) {
      warnings.push(
        `user ${user.user_id}: email ${user.user_email} belongs to user ${holder.user_id} in Tollgate; imported without it`,
      );
      out.push({ ...user, user_email: null });
    } else out.push(user);
  }
  return out;
}

/** Key aliases are unique in Tollgate: one another key of the store already has is left out. */
async function withoutTakenAliases(
  repos: Repos,
  keys: readonly KeyRecord[],
  warnings: string[],
): Promise<KeyRecord[]> {
  const aliases = keys.flatMap((k) => (k.key_alias === null ? [] : [k.key_alias]));
  const holders = new Map(
    (await inChunks(aliases, (part) => repos.keys.findByAliases(part))).map((k) => [
      k.key_alias,
      k.token,
    ]),
  );
  return keys.map((key) => {
    const holder = key.key_alias === null ? undefined : holders.get(key.key_alias);
    if (holder === undefined || holder === key.token) return key;
    warnings.push(
      `key ${keyLabel({ ...key, key_alias: null })}: alias ${key.key_alias} belongs to another key in Tollgate; imported without it`,
    );
    return { ...key, key_alias: null };
  });
}

/** Bound parameters stay far below SQLite's and PostgreSQL's limits. */
const CHUNK = 500;

async function inChunks<T, R>(
  items: readonly T[],
  read: (part: readonly T[]) => Promise<R[]>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += CHUNK)
    out.push(...(await read(items.slice(i, i + CHUNK))));
  return out;
}

/**
 * `tollgate import-litellm`: a PostgreSQL schema with LiteLLM's table layout (Prisma's column
 * types: text[], jsonb, timestamp(3), bigint), filled with realistic rows, imported into a SQLite
 * and a PostgreSQL store. Then a gateway on the imported store serves a key whose hash is in the
 * LiteLLM database (through the openai SDK), shows the imported budgets, users, teams, customers,
 * organizations (with their budgets and members) and tags (with their budgets), refuses the
 * expired and blocked keys with LiteLLM's messages, and holds a team's key to its organization's
 * spent budget and a call to its tag's. A second run changes nothing and a dry run writes nothing.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import pg from 'pg';
import { openDatabase, type StoreDatabase } from '../src/store/open-database.js';
import { createStore } from '../src/store/store.js';
import { adminClient } from './helpers/admin-client.js';
import { tollgate } from './helpers/cli-harness.js';
import { POSTGRES_URL, testDatabases } from './helpers/databases.js';
import { startGateway, type TestGateway } from './helpers/gateway.js';
import { pricedModel } from './helpers/priced-models.js';

const MASTER = 'sk-import-master';
const DAY = 86_400_000;
const future = new Date(Date.now() + 10 * DAY).toISOString();
const past = new Date(Date.now() - 30 * DAY).toISOString();

const postgres = (await testDatabases()).find((d) => d.name === 'postgres');

const hash = (raw: string) => createHash('sha256').update(raw).digest('hex');
const RAW = {
  live: `sk-${randomBytes(16).toString('base64url')}`,
  alice: `sk-${randomBytes(16).toString('base64url')}`,
  expired: `sk-${randomBytes(16).toString('base64url')}`,
  blocked: `sk-${randomBytes(16).toString('base64url')}`,
  broke: `sk-${randomBytes(16).toString('base64url')}`,
};
const keyName = (raw: string) => `sk-...${raw.slice(-4)}`;

/** LiteLLM's tables as Prisma creates them, for the columns the import reads and a few more. */
const LITELLM_DDL = `
CREATE TABLE "LiteLLM_BudgetTable" (
  budget_id TEXT PRIMARY KEY, max_budget DOUBLE PRECISION, soft_budget DOUBLE PRECISION,
  max_parallel_requests INTEGER, tpm_limit BIGINT, rpm_limit BIGINT, model_max_budget JSONB,
  budget_duration TEXT, budget_reset_at TIMESTAMP(3),
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, created_by TEXT NOT NULL,
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, updated_by TEXT NOT NULL);
CREATE TABLE "LiteLLM_OrganizationTable" (
  organization_id TEXT PRIMARY KEY, organization_alias TEXT NOT NULL,
  budget_id TEXT NOT NULL REFERENCES "LiteLLM_BudgetTable"(budget_id),
  metadata JSONB NOT NULL DEFAULT '{}', models TEXT[], spend DOUBLE PRECISION NOT NULL DEFAULT 0,
  model_spend JSONB NOT NULL DEFAULT '{}', object_permission_id TEXT,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, created_by TEXT NOT NULL,
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, updated_by TEXT NOT NULL);
CREATE TABLE "LiteLLM_OrganizationMembership" (
  user_id TEXT NOT NULL,
  organization_id TEXT NOT NULL REFERENCES "LiteLLM_OrganizationTable"(organization_id),
  user_role TEXT, spend DOUBLE PRECISION DEFAULT 0,
  budget_id TEXT REFERENCES "LiteLLM_BudgetTable"(budget_id),
  created_at TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (user_id, organization_id));
CREATE TABLE "LiteLLM_TagTable" (
  tag_name TEXT PRIMARY KEY, description TEXT, models TEXT[], model_info JSONB,
  spend DOUBLE PRECISION NOT NULL DEFAULT 0,
  budget_id TEXT REFERENCES "LiteLLM_BudgetTable"(budget_id),
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, created_by TEXT,
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE "LiteLLM_ModelTable" (
  id SERIAL PRIMARY KEY, aliases JSONB,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, created_by TEXT NOT NULL,
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP, updated_by TEXT NOT NULL);
CREATE TABLE "LiteLLM_TeamTable" (
  team_id TEXT PRIMARY KEY, team_alias TEXT, organization_id TEXT, object_permission_id TEXT,
  admins TEXT[], members TEXT[], members_with_roles JSONB NOT NULL DEFAULT '{}',
  metadata JSONB NOT NULL DEFAULT '{}', max_budget DOUBLE PRECISION, soft_budget DOUBLE PRECISION,
  spend DOUBLE PRECISION NOT NULL DEFAULT 0, models TEXT[], max_parallel_requests INTEGER,
  tpm_limit BIGINT, rpm_limit BIGINT, budget_duration TEXT, budget_reset_at TIMESTAMP(3),
  blocked BOOLEAN NOT NULL DEFAULT false,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  model_spend JSONB NOT NULL DEFAULT '{}', model_max_budget JSONB NOT NULL DEFAULT '{}',
  team_member_permissions TEXT[] DEFAULT ARRAY[]::TEXT[],
  model_id INTEGER UNIQUE REFERENCES "LiteLLM_ModelTable"(id));
CREATE TABLE "LiteLLM_UserTable" (
  user_id TEXT PRIMARY KEY, user_alias TEXT, team_id TEXT, sso_user_id TEXT UNIQUE,
  organization_id TEXT, password TEXT, teams TEXT[] DEFAULT ARRAY[]::TEXT[], user_role TEXT,
  max_budget DOUBLE PRECISION, spend DOUBLE PRECISION NOT NULL DEFAULT 0, user_email TEXT,
  models TEXT[], metadata JSONB NOT NULL DEFAULT '{}', max_parallel_requests INTEGER,
  tpm_limit BIGINT, rpm_limit BIGINT, budget_duration TEXT, budget_reset_at TIMESTAMP(3),
  allowed_cache_controls TEXT[] DEFAULT ARRAY[]::TEXT[],
  model_spend JSONB NOT NULL DEFAULT '{}', model_max_budget JSONB NOT NULL DEFAULT '{}',
  created_at TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP, updated_at TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP);
CREATE TABLE "LiteLLM_TeamMembership" (
  user_id TEXT NOT NULL, team_id TEXT NOT NULL, spend DOUBLE PRECISION NOT NULL DEFAULT 0,
  total_spend DOUBLE PRECISION NOT NULL DEFAULT 0,
  budget_id TEXT REFERENCES "LiteLLM_BudgetTable"(budget_id), PRIMARY KEY (user_id, team_id));
CREATE TABLE "LiteLLM_VerificationToken" (
  token TEXT PRIMARY KEY, key_name TEXT, key_alias TEXT,
  soft_budget_cooldown BOOLEAN NOT NULL DEFAULT false, spend DOUBLE PRECISION NOT NULL DEFAULT 0,
  expires TIMESTAMP(3), models TEXT[], aliases JSONB NOT NULL DEFAULT '{}',
  config JSONB NOT NULL DEFAULT '{}', user_id TEXT, team_id TEXT,
  permissions JSONB NOT NULL DEFAULT '{}', max_parallel_requests INTEGER,
  metadata JSONB NOT NULL DEFAULT '{}', blocked BOOLEAN, tpm_limit BIGINT, rpm_limit BIGINT,
  max_budget DOUBLE PRECISION, budget_duration TEXT, budget_reset_at TIMESTAMP(3),
  allowed_cache_controls TEXT[] DEFAULT ARRAY[]::TEXT[],
  allowed_routes TEXT[] DEFAULT ARRAY[]::TEXT[],
  model_spend JSONB NOT NULL DEFAULT '{}', model_max_budget JSONB NOT NULL DEFAULT '{}',
  budget_id TEXT REFERENCES "LiteLLM_BudgetTable"(budget_id), organization_id TEXT,
  created_at TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP, created_by TEXT,
  updated_at TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP, updated_by TEXT);
CREATE TABLE "LiteLLM_EndUserTable" (
  user_id TEXT PRIMARY KEY, alias TEXT, spend DOUBLE PRECISION NOT NULL DEFAULT 0,
  allowed_model_region TEXT, default_model TEXT,
  budget_id TEXT REFERENCES "LiteLLM_BudgetTable"(budget_id), blocked BOOLEAN NOT NULL DEFAULT false);
CREATE TABLE "LiteLLM_SpendLogs" (
  request_id TEXT PRIMARY KEY, call_type TEXT NOT NULL, api_key TEXT NOT NULL DEFAULT '',
  spend DOUBLE PRECISION NOT NULL DEFAULT 0, total_tokens INTEGER NOT NULL DEFAULT 0,
  prompt_tokens INTEGER NOT NULL DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0,
  "startTime" TIMESTAMP(3) NOT NULL, "endTime" TIMESTAMP(3) NOT NULL, request_duration_ms INTEGER,
  "completionStartTime" TIMESTAMP(3), model TEXT NOT NULL DEFAULT '', model_id TEXT DEFAULT '',
  model_group TEXT DEFAULT '', custom_llm_provider TEXT DEFAULT '', api_base TEXT DEFAULT '',
  "user" TEXT DEFAULT '', metadata JSONB DEFAULT '{}', cache_hit TEXT DEFAULT '',
  cache_key TEXT DEFAULT '', request_tags JSONB DEFAULT '[]', team_id TEXT, organization_id TEXT,
  end_user TEXT, requester_ip_address TEXT, messages JSONB DEFAULT '{}', response JSONB DEFAULT '{}',
  session_id TEXT, status TEXT, proxy_server_request JSONB DEFAULT '{}');
`;

/** One row: a table and its column values (parameters, so arrays and JSON go as pg sends them). */
type Row = [table: string, values: Record<string, unknown>];

const json = (value: unknown) => JSON.stringify(value);

const ROWS: Row[] = [
  [
    'LiteLLM_BudgetTable',
    {
      budget_id: 'b-team-members',
      max_budget: 20,
      budget_duration: '30d',
      rpm_limit: 30,
      created_by: 'admin',
      updated_by: 'admin',
    },
  ],
  [
    'LiteLLM_BudgetTable',
    {
      budget_id: 'b-member',
      max_budget: 5,
      tpm_limit: 1000,
      rpm_limit: 10,
      created_by: 'admin',
      updated_by: 'admin',
    },
  ],
  [
    'LiteLLM_BudgetTable',
    {
      budget_id: 'b-customer',
      max_budget: 20,
      rpm_limit: 60,
      budget_duration: '30d',
      budget_reset_at: future,
      created_by: 'admin',
      updated_by: 'admin',
    },
  ],
  [
    'LiteLLM_BudgetTable',
    { budget_id: 'b-key-soft', soft_budget: 8, created_by: 'admin', updated_by: 'admin' },
  ],
  [
    'LiteLLM_BudgetTable',
    {
      budget_id: 'b-org-acme',
      max_budget: 100,
      rpm_limit: 1000,
      budget_duration: '30d',
      budget_reset_at: future,
      created_at: '2025-01-05T10:00:00Z',
      created_by: 'u-alice',
      updated_by: 'u-alice',
    },
  ],
  [
    'LiteLLM_BudgetTable',
    {
      budget_id: 'b-org-broke',
      max_budget: 1,
      budget_duration: '7d',
      budget_reset_at: future,
      created_by: 'admin',
      updated_by: 'admin',
    },
  ],
  [
    'LiteLLM_BudgetTable',
    { budget_id: 'b-org-member', max_budget: 15, created_by: 'admin', updated_by: 'admin' },
  ],
  [
    'LiteLLM_BudgetTable',
    {
      budget_id: 'b-tag-prod',
      max_budget: 50,
      rpm_limit: 100,
      budget_duration: '30d',
      budget_reset_at: future,
      created_by: 'u-alice',
      updated_by: 'u-alice',
    },
  ],
  [
    'LiteLLM_BudgetTable',
    {
      budget_id: 'b-tag-capped',
      max_budget: 1,
      budget_duration: '7d',
      budget_reset_at: future,
      created_by: 'admin',
      updated_by: 'admin',
    },
  ],
  // The bob-live key carries the tag prod: its calls are held to the tag's budget too.
  [
    'LiteLLM_TagTable',
    {
      tag_name: 'prod',
      description: 'Production traffic',
      models: ['mock-gpt'],
      model_info: json({ 'mock-gpt': 'mock-gpt' }),
      spend: 1.25,
      budget_id: 'b-tag-prod',
      created_at: '2025-03-01T12:00:00Z',
      created_by: 'u-alice',
      updated_at: '2025-03-02T12:00:00Z',
    },
  ],
  // A tag without a budget: a description and a spend total only.
  ['LiteLLM_TagTable', { tag_name: 'batch', models: [], spend: 0.5 }],
  // A tag that has spent its budget: calls booked under it are refused.
  [
    'LiteLLM_TagTable',
    {
      tag_name: 'capped',
      description: 'Over its budget',
      models: [],
      spend: 1.5,
      budget_id: 'b-tag-capped',
      created_by: 'admin',
    },
  ],
  [
    'LiteLLM_OrganizationTable',
    {
      organization_id: 'o-acme',
      organization_alias: 'Acme Corp',
      budget_id: 'b-org-acme',
      models: ['mock-gpt'],
      metadata: json({ region: 'eu' }),
      spend: 4.75,
      model_spend: json({ 'mock-gpt': 4.75 }),
      created_at: '2025-01-05T10:00:00Z',
      created_by: 'u-alice',
      updated_by: 'u-alice',
    },
  ],
  [
    'LiteLLM_OrganizationTable',
    {
      organization_id: 'o-broke',
      organization_alias: 'Broke Inc',
      budget_id: 'b-org-broke',
      models: [],
      spend: 1.5,
      created_by: 'admin',
      updated_by: 'admin',
    },
  ],
  [
    'LiteLLM_OrganizationMembership',
    {
      user_id: 'u-alice',
      organization_id: 'o-acme',
      user_role: 'org_admin',
      spend: 2,
      budget_id: 'b-org-member',
    },
  ],
  [
    'LiteLLM_OrganizationMembership',
    { user_id: 'u-bob', organization_id: 'o-acme', user_role: 'internal_user', spend: 1.25 },
  ],
  [
    'LiteLLM_OrganizationMembership',
    { user_id: 'u-carol', organization_id: 'o-acme', user_role: 'internal_user_viewer' },
  ],
  // A role organizations do not have: imported as internal_user.
  [
    'LiteLLM_OrganizationMembership',
    { user_id: 'u-carol', organization_id: 'o-broke', user_role: 'proxy_admin' },
  ],
  // A member whose user is gone from LiteLLM_UserTable: skipped with a warning.
  [
    'LiteLLM_OrganizationMembership',
    { user_id: 'u-gone', organization_id: 'o-acme', user_role: 'internal_user' },
  ],
  [
    'LiteLLM_ModelTable',
    { aliases: json({ fast: 'mock-gpt' }), created_by: 'admin', updated_by: 'admin' },
  ],
  [
    'LiteLLM_UserTable',
    {
      user_id: 'u-alice',
      user_email: 'alice@example.com',
      user_role: 'proxy_admin',
      spend: 2.25,
      max_budget: 100,
      budget_duration: '1mo',
      budget_reset_at: future,
      models: [],
      teams: ['t-research'],
      metadata: json({ dept: 'ml' }),
      created_at: '2025-01-10T08:00:00Z',
    },
  ],
  [
    'LiteLLM_UserTable',
    {
      user_id: 'u-bob',
      user_email: 'bob@example.com',
      user_alias: 'Bob',
      user_role: 'app_owner',
      spend: 1.25,
      max_budget: 50,
      models: ['mock-gpt'],
      teams: ['t-research'],
      tpm_limit: '20000',
      password: 'not-imported',
    },
  ],
  [
    'LiteLLM_UserTable',
    {
      user_id: 'u-carol',
      user_email: 'carol@example.com',
      user_role: 'internal_user_viewer',
      models: [],
      teams: [],
    },
  ],
  [
    'LiteLLM_TeamTable',
    {
      team_id: 't-research',
      team_alias: 'research',
      organization_id: 'o-acme',
      admins: ['u-alice'],
      members: [],
      models: ['mock-gpt'],
      members_with_roles: json([
        { role: 'admin', user_id: 'u-alice', user_email: 'alice@example.com' },
        { role: 'user', user_id: null, user_email: 'BOB@example.com' },
      ]),
      metadata: json({
        cost_center: 42,
        team_member_budget_id: 'b-team-members',
        team_member_key_duration: '7d',
      }),
      max_budget: 50,
      soft_budget: 40,
      spend: 4.75,
      tpm_limit: '100000',
      rpm_limit: '100',
      budget_duration: '30d',
      budget_reset_at: future,
      model_id: 1,
    },
  ],
  ['LiteLLM_TeamTable', { team_id: 't-broke', team_alias: 'broke', organization_id: 'o-broke' }],
  // A team naming an organization LiteLLM no longer has: imported outside any organization.
  ['LiteLLM_TeamTable', { team_id: 't-orphan', organization_id: 'o-gone' }],
  [
    'LiteLLM_TeamMembership',
    { user_id: 'u-bob', team_id: 't-research', spend: 1.25, budget_id: 'b-member' },
  ],
  ['LiteLLM_TeamMembership', { user_id: 'u-carol', team_id: 't-research', spend: 0 }],
  [
    'LiteLLM_VerificationToken',
    {
      token: hash(RAW.live),
      key_name: keyName(RAW.live),
      key_alias: 'bob-live',
      spend: 1.25,
      models: ['mock-gpt'],
      user_id: 'u-bob',
      team_id: 't-research',
      max_budget: 10,
      budget_duration: '30d',
      budget_reset_at: future,
      tpm_limit: '5000',
      rpm_limit: '50',
      max_parallel_requests: 4,
      metadata: json({ tags: ['prod'], owner: 'bob' }),
      aliases: json({ quick: 'mock-gpt' }),
      allowed_routes: [],
      budget_id: 'b-key-soft',
      created_by: 'u-alice',
      blocked: null,
      created_at: '2025-02-01T09:30:00.123Z',
    },
  ],
  [
    'LiteLLM_VerificationToken',
    {
      token: hash(RAW.alice),
      key_name: keyName(RAW.alice),
      key_alias: 'alice-personal',
      spend: 2.25,
      models: [],
      user_id: 'u-alice',
    },
  ],
  [
    'LiteLLM_VerificationToken',
    {
      token: hash(RAW.expired),
      key_name: keyName(RAW.expired),
      key_alias: 'old',
      models: [],
      user_id: 'u-bob',
      expires: past,
    },
  ],
  [
    'LiteLLM_VerificationToken',
    {
      token: hash(RAW.blocked),
      key_name: keyName(RAW.blocked),
      key_alias: 'stolen',
      models: [],
      user_id: 'u-bob',
      blocked: true,
    },
  ],
  [
    'LiteLLM_VerificationToken',
    {
      token: hash(RAW.broke),
      key_name: keyName(RAW.broke),
      key_alias: 'broke-team',
      models: [],
      team_id: 't-broke',
    },
  ],
  [
    'LiteLLM_EndUserTable',
    {
      user_id: 'cust-acme',
      alias: 'Acme',
      spend: 0.5,
      budget_id: 'b-customer',
      allowed_model_region: 'eu',
    },
  ],
  ['LiteLLM_EndUserTable', { user_id: 'cust-banned', blocked: true }],
  ...[
    ['req-1', '2026-03-01T10:00:00.000Z', 0.75, ['prod']],
    ['req-2', '2026-03-01T11:30:00.250Z', 0.5, ['prod', 'batch']],
    ['req-3', '2026-03-02T09:15:00.000Z', 0.25, []],
  ].map(([id, start, spend, tags]): Row => [
    'LiteLLM_SpendLogs',
    {
      request_id: id,
      call_type: 'acompletion',
      api_key: hash(RAW.live),
      spend,
      total_tokens: 30,
      prompt_tokens: 10,
      completion_tokens: 20,
      startTime: start,
      endTime: start,
      model: 'gpt-4o-mini',
      model_group: 'mock-gpt',
      custom_llm_provider: 'openai',
      user: 'u-bob',
      team_id: 't-research',
      end_user: 'cust-acme',
      request_tags: json(tags),
      metadata: json({ user_api_key_alias: 'bob-live' }),
      cache_hit: 'False',
      status: 'success',
      messages: json([{ role: 'user', content: 'hi' }]),
    },
  ]),
];

async function buildLiteLLMDatabase(client: pg.Client, schema: string): Promise<void> {
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query(`SET search_path TO ${schema}`);
  await client.query(LITELLM_DDL);
  for (const [table, values] of ROWS) {
    const columns = Object.keys(values);
    await client.query(
      `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')})
       VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      Object.values(values),
    );
  }
}

const TABLES = [
  'users',
  'budgets',
  'organizations',
  'organization_members',
  'tags',
  'teams',
  'team_members',
  'keys',
  'customers',
  'spend_logs',
  'daily_spend',
  'daily_tag_spend',
] as const;

/** Every table the import writes, rows in a fixed order: to compare before and after a run. */
async function snapshot(database: StoreDatabase): Promise<string> {
  const tables: Record<string, unknown[]> = {};
  for (const table of TABLES) {
    const rows = await database.db.selectFrom(table).selectAll().execute();
    tables[table] = rows.map((r) => JSON.stringify(r)).sort();
  }
  return JSON.stringify(tables);
}

interface Target {
  name: 'sqlite' | 'postgres';
  url: string;
  /** Whether the store has any table yet. */
  hasTables(): Promise<boolean>;
  cleanup(): Promise<void>;
}

async function sqliteTarget(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-import-'));
  const file = join(dir, 'tollgate.db');
  return {
    name: 'sqlite',
    url: `sqlite:${file}`,
    hasTables: async () => existsSync(file),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function postgresTarget(admin: pg.Client): Promise<Target> {
  const schema = `tg_${randomBytes(5).toString('hex')}`;
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    name: 'postgres',
    url: url.toString(),
    hasTables: async () => {
      const result = await admin.query(
        'select 1 from information_schema.tables where table_schema = $1',
        [schema],
      );
      return result.rows.length > 0;
    },
    cleanup: async () => {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    },
  };
}

describe('tollgate import-litellm', { skip: postgres?.skip }, () => {
  const litellmSchema = `litellm_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  let from: string;

  before(async () => {
    await admin.connect();
    await buildLiteLLMDatabase(admin, litellmSchema);
    await admin.query('SET search_path TO public');
    // Prisma's way of naming the schema, as LiteLLM's DATABASE_URL would.
    const url = new URL(POSTGRES_URL);
    url.searchParams.set('schema', litellmSchema);
    from = url.toString();
  });
  after(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${litellmSchema} CASCADE`);
    await admin.end();
  });

  for (const make of [sqliteTarget, () => postgresTarget(admin)]) {
    it(`imports into ${make === sqliteTarget ? 'SQLite' : 'PostgreSQL'}: keys keep working, re-running and --dry-run change nothing`, async () => {
      const target = await make();
      const env = { DATABASE_URL: target.url };
      const run = (...args: string[]) =>
        tollgate(['import-litellm', '--from', from, '--with-spend-logs', ...args], { env });
      try {
        // A dry run on a store that does not exist yet: the whole plan, nothing written.
        const dry = await run('--dry-run');
        assert.equal(dry.code, 0, dry.stderr);
        assert.match(dry.stdout, /^\+ user u-alice \(alice@example\.com\): create$/m);
        assert.match(dry.stdout, /^\+ key sk-\.\.\.\S{4} \(bob-live\): create$/m);
        assert.match(dry.stdout, /^\+ organization o-acme \(Acme Corp\): create$/m);
        assert.match(dry.stdout, /^\+ organization_member u-alice in o-acme: create$/m);
        assert.match(dry.stdout, /^\+ budget b-org-acme: create$/m);
        assert.match(dry.stdout, /^\+ tag prod: create$/m);
        assert.match(dry.stdout, /^\+ budget b-tag-prod: create$/m);
        assert.match(dry.stdout, /^tags +3 +0 +0$/m);
        assert.match(dry.stdout, /^spend logs: 3 read, 3 to add$/m);
        assert.match(dry.stdout, /Dry run: nothing was changed/);
        assert.equal(await target.hasTables(), false);

        const first = await run('--json');
        assert.equal(first.code, 0, first.stderr);
        const report = first.json();
        assert.deepEqual(report.counts, {
          user: { create: 3, update: 0, unchanged: 0 },
          budget: { create: 5, update: 0, unchanged: 0 },
          organization: { create: 2, update: 0, unchanged: 0 },
          organization_member: { create: 4, update: 0, unchanged: 0 },
          tag: { create: 3, update: 0, unchanged: 0 },
          team: { create: 3, update: 0, unchanged: 0 },
          member: { create: 3, update: 0, unchanged: 0 },
          key: { create: 5, update: 0, unchanged: 0 },
          customer: { create: 2, update: 0, unchanged: 0 },
        });
        assert.deepEqual(report.warnings, [
          'organization member o-acme/u-gone: skipped, user u-gone is not in LiteLLM',
          'team t-orphan: organization o-gone is not in LiteLLM; imported without it',
        ]);
        assert.deepEqual(report.spend_logs, {
          read: 3,
          added: 3,
          days: { from: '2026-03-01', to: '2026-03-02' },
        });

        const database = await openDatabase(target.url);
        try {
          const imported = await snapshot(database);
          // Again: everything unchanged, not a byte written; then a dry run on the full store.
          const second = await run('--json');
          assert.equal(second.code, 0, second.stderr);
          for (const counts of Object.values(second.json().counts) as {
            create: number;
            update: number;
          }[]) {
            assert.equal(counts.create + counts.update, 0);
          }
          assert.equal(second.json().spend_logs.added, 0);
          assert.equal(await snapshot(database), imported);

          // A change on the LiteLLM side comes over as an update of that field alone.
          await admin.query(
            `UPDATE ${litellmSchema}."LiteLLM_UserTable" SET max_budget = 75 WHERE user_id = 'u-bob'`,
          );
          try {
            const dryUpdate = await run('--dry-run');
            assert.equal(dryUpdate.code, 0, dryUpdate.stderr);
            assert.match(
              dryUpdate.stdout,
              /^~ user u-bob \(bob@example\.com\): update\n {4}max_budget: 50 → 75$/m,
            );
            assert.equal(await snapshot(database), imported);
          } finally {
            await admin.query(
              `UPDATE ${litellmSchema}."LiteLLM_UserTable" SET max_budget = 50 WHERE user_id = 'u-bob'`,
            );
          }

          const daily = await database.db
            .selectFrom('daily_spend')
            .selectAll()
            .orderBy('date')
            .execute();
          assert.deepEqual(
            daily.map((d) => [
              d.date,
              d.api_key,
              d.user_id,
              d.team_id,
              d.end_user,
              Number(d.spend),
              Number(d.api_requests),
            ]),
            [
              ['2026-03-01', hash(RAW.live), 'u-bob', 't-research', 'cust-acme', 1.25, 2],
              ['2026-03-02', hash(RAW.live), 'u-bob', 't-research', 'cust-acme', 0.25, 1],
            ],
          );
          const tags = await database.db
            .selectFrom('daily_tag_spend')
            .selectAll()
            .orderBy('tag')
            .execute();
          assert.deepEqual(
            tags.map((t) => [t.date, t.tag, Number(t.spend), Number(t.api_requests)]),
            [
              ['2026-03-01', 'batch', 0.5, 1],
              ['2026-03-01', 'prod', 1.25, 2],
            ],
          );

          const store = createStore(database);
          assert.equal((await store.teams.findById('t-orphan'))?.organization_id, null);
          const broke = await store.organizations.findById('o-broke');
          assert.deepEqual(
            [broke?.budget_id, broke?.spend, broke?.budget_reset_at],
            ['b-org-broke', 1.5, future],
          );
          assert.deepEqual(
            (await store.organizations.membersOf(['o-broke'])).map((m) => [m.user_id, m.user_role]),
            [['u-carol', 'internal_user']],
          );
          assert.deepEqual(
            (await store.tags.loadAll())
              .map((t) => [
                t.tag_name,
                t.budget_id,
                t.spend,
                t.budget_reset_at,
                t.budget?.max_budget ?? null,
                t.created_by,
                t.updated_by,
              ])
              .sort(),
            [
              ['batch', null, 0.5, null, null, 'default_user_id', 'default_user_id'],
              ['capped', 'b-tag-capped', 1.5, future, 1, 'admin', 'admin'],
              ['prod', 'b-tag-prod', 1.25, future, 50, 'u-alice', 'u-alice'],
            ],
          );
          await checkGateway(store);
        } finally {
          await database.close();
        }
      } finally {
        await target.cleanup();
      }
    });
  }

  it('reads an older LiteLLM layout, and a spend log longer than one page', async () => {
    const schema = `litellm_old_${randomBytes(5).toString('hex')}`;
    const target = await sqliteTarget();
    try {
      // Before budgets, memberships and end users had tables, and spend logs had a status.
      await admin.query(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
      await admin.query(`
        CREATE TABLE "LiteLLM_UserTable" (user_id TEXT PRIMARY KEY, user_role TEXT,
          max_budget DOUBLE PRECISION, spend DOUBLE PRECISION NOT NULL DEFAULT 0, user_email TEXT,
          models TEXT[], tpm_limit BIGINT, rpm_limit BIGINT);
        CREATE TABLE "LiteLLM_TeamTable" (team_id TEXT PRIMARY KEY, team_alias TEXT, admins TEXT[],
          members TEXT[], members_with_roles JSONB NOT NULL DEFAULT '{}',
          spend DOUBLE PRECISION NOT NULL DEFAULT 0, models TEXT[]);
        CREATE TABLE "LiteLLM_VerificationToken" (token TEXT PRIMARY KEY, spend DOUBLE PRECISION
          NOT NULL DEFAULT 0, expires TIMESTAMP(3), models TEXT[], aliases JSONB NOT NULL DEFAULT '{}',
          config JSONB NOT NULL DEFAULT '{}', user_id TEXT, team_id TEXT, max_budget DOUBLE PRECISION);
        CREATE TABLE "LiteLLM_SpendLogs" (request_id TEXT PRIMARY KEY, call_type TEXT NOT NULL,
          api_key TEXT NOT NULL DEFAULT '', spend DOUBLE PRECISION NOT NULL DEFAULT 0,
          total_tokens INTEGER NOT NULL DEFAULT 0, "startTime" TIMESTAMP(3) NOT NULL,
          "endTime" TIMESTAMP(3) NOT NULL, model TEXT NOT NULL DEFAULT '', "user" TEXT DEFAULT '',
          metadata JSONB DEFAULT '{}');
        INSERT INTO "LiteLLM_UserTable" VALUES ('old-user', 'app_user', 10, 4.5, 'old@example.com', '{}', NULL, NULL);
        INSERT INTO "LiteLLM_TeamTable" VALUES ('old-team', NULL, '{old-user}', '{old-user}', '{}', 0, '{}');
        INSERT INTO "LiteLLM_VerificationToken" VALUES ('${hash('sk-old-key')}', 4.5, NULL, '{}', '{}', '{}', 'old-user', NULL, NULL);
        -- 2,500 calls, ten per millisecond, over two days: several pages, ties across their edges.
        INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, "startTime", "endTime", "user")
          SELECT 'old-' || g, 'completion', '${hash('sk-old-key')}', 0.001,
                 timestamp '2024-06-01 23:59:59.900' + (g / 10) * interval '1 millisecond',
                 timestamp '2024-06-01 23:59:59.900' + (g / 10) * interval '1 millisecond', 'old-user'
          FROM generate_series(1, 2500) g;
        SET search_path TO public;
      `);
      const url = new URL(POSTGRES_URL);
      url.searchParams.set('schema', schema);
      const result = await tollgate(
        ['import-litellm', '--from', url.toString(), '--with-spend-logs', '--json'],
        { env: { DATABASE_URL: target.url } },
      );
      assert.equal(result.code, 0, result.stderr);
      const report = result.json();
      assert.deepEqual(report.spend_logs, {
        read: 2500,
        added: 2500,
        days: { from: '2024-06-01', to: '2024-06-02' },
      });
      assert.equal(report.counts.member.create, 1);
      // No organization or tag tables yet: nothing to copy, and no complaint.
      assert.equal(report.counts.organization.create, 0);
      assert.deepEqual(report.counts.tag, { create: 0, update: 0, unchanged: 0 });
      assert.deepEqual(report.warnings, []);
      const database = await openDatabase(target.url);
      try {
        const store = createStore(database);
        assert.equal((await store.users.findById('old-user'))?.user_role, 'internal_user');
        assert.equal((await store.teams.findMember('old-team', 'old-user'))?.role, 'admin');
        assert.equal((await store.keys.findByHash(hash('sk-old-key')))?.spend, 4.5);
        assert.deepEqual(await store.tags.list(), []);
        const days = await database.db
          .selectFrom('daily_spend')
          .select(['date', 'api_requests', 'successful_requests'])
          .orderBy('date')
          .execute();
        assert.deepEqual(
          days.map((d) => [d.date, Number(d.api_requests), Number(d.successful_requests)]),
          [
            ['2024-06-01', 999, 999],
            ['2024-06-02', 1501, 1501],
          ],
        );
      } finally {
        await database.close();
      }
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await target.cleanup();
    }
  });

  it("reports a database without LiteLLM's tables, and an unreachable one, in one line", async () => {
    const env = { DATABASE_URL: 'sqlite::memory:' };
    const empty = await tollgate(
      ['import-litellm', '--from', POSTGRES_URL + '?schema=no_such_schema', '--dry-run'],
      { env },
    );
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /^tollgate: the database has no "LiteLLM_UserTable" table/);
    const down = await tollgate(
      ['import-litellm', '--from', 'postgresql://nobody@127.0.0.1:1/litellm'],
      { env },
    );
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^tollgate: cannot connect to the LiteLLM database: .*ECONNREFUSED/);
  });
});

/** A gateway on the imported store, called the way LiteLLM's clients call it. */
async function checkGateway(store: ReturnType<typeof createStore>): Promise<void> {
  let gateway: TestGateway | undefined;
  try {
    gateway = await startGateway(
      {
        model_list: [
          { model_name: 'mock-gpt', litellm_params: { model: 'mock/mock-gpt' } },
          // Budgets bind calls that cost something.
          pricedModel('priced-gpt'),
        ],
        general_settings: { master_key: MASTER },
      },
      { store },
    );
    const api = adminClient(gateway.url, MASTER);

    const key = (await api.get(`/key/info?key=${RAW.live}`)).body.info;
    assert.equal(key.key_alias, 'bob-live');
    assert.equal(key.key_name, keyName(RAW.live));
    assert.equal(key.spend, 1.25);
    assert.equal(key.max_budget, 10);
    assert.equal(key.soft_budget, 8);
    assert.equal(key.budget_duration, '30d');
    assert.equal(key.budget_reset_at, future);
    assert.equal(key.tpm_limit, 5000);
    assert.equal(key.rpm_limit, 50);
    assert.equal(key.max_parallel_requests, 4);
    assert.deepEqual(key.models, ['mock-gpt']);
    assert.deepEqual(key.aliases, { quick: 'mock-gpt' });
    assert.deepEqual(key.metadata, { tags: ['prod'], owner: 'bob' });
    assert.equal(key.created_at, '2025-02-01T09:30:00.123Z');

    const openai = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: RAW.live, maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: 'mock-gpt',
      messages: [{ role: 'user', content: 'Hello from an imported key' }],
    });
    assert.ok(completion.choices[0]?.message.content);
    const alias = await openai.chat.completions.create({
      model: 'quick',
      messages: [{ role: 'user', content: 'through the key alias' }],
    });
    assert.equal(alias.object, 'chat.completion');

    for (const [raw, pattern] of [
      [
        RAW.expired,
        new RegExp(
          `^Authentication Error - Expired Key\\. Key Expiry time ${past} and current time `,
        ),
      ],
      [
        RAW.blocked,
        /^Authentication Error, Key is blocked\. Update via `\/key\/unblock` if you're an admin\.$/,
      ],
    ] as const) {
      const refused = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: raw, maxRetries: 0 });
      await assert.rejects(
        refused.chat.completions.create({
          model: 'mock-gpt',
          messages: [{ role: 'user', content: 'hi' }],
        }),
        (error: unknown) => {
          assert.ok(error instanceof OpenAI.APIError);
          assert.equal(error.status, 401);
          // The SDK puts the status before the gateway's message.
          assert.match((error.error as { message: string }).message, pattern);
          return true;
        },
      );
    }

    const bob = (await api.get('/user/info?user_id=u-bob')).body;
    assert.equal(bob.user_info.user_role, 'internal_user');
    assert.equal(bob.user_info.user_alias, 'Bob');
    assert.equal(bob.user_info.max_budget, 50);
    assert.equal(bob.user_info.tpm_limit, 20000);
    assert.deepEqual(bob.user_info.teams, ['t-research']);
    const alice = (await api.get('/user/info?user_id=u-alice')).body.user_info;
    assert.equal(alice.user_role, 'proxy_admin');
    assert.equal(alice.spend, 2.25);
    assert.equal(alice.budget_duration, '1mo');
    assert.deepEqual(alice.metadata, { dept: 'ml' });

    const team = (await api.get('/team/info?team_id=t-research')).body;
    assert.equal(team.team_info.team_alias, 'research');
    assert.equal(team.team_info.max_budget, 50);
    assert.equal(team.team_info.soft_budget, 40);
    assert.equal(team.team_info.spend, 4.75);
    assert.deepEqual(team.team_info.model_aliases, { fast: 'mock-gpt' });
    assert.deepEqual(
      team.team_info.members_with_roles
        .map((m: { user_id: string; role: string }) => [m.user_id, m.role])
        .sort(),
      [
        ['u-alice', 'admin'],
        ['u-bob', 'user'],
        ['u-carol', 'user'],
      ],
    );
    const bobInTeam = team.team_memberships.find((m: { user_id: string }) => m.user_id === 'u-bob');
    assert.equal(bobInTeam.spend, 1.25);
    assert.deepEqual(bobInTeam.litellm_budget_table, {
      max_budget: 5,
      // The team's default for its members; Bob's own budget row names no duration.
      budget_duration: '30d',
      tpm_limit: 1000,
      rpm_limit: 10,
    });
    assert.deepEqual(team.team_info.metadata, { cost_center: 42 });
    assert.deepEqual(team.team_info.team_member_budget_table, {
      max_budget: 20,
      budget_duration: '30d',
      tpm_limit: null,
      rpm_limit: 30,
    });
    assert.equal(team.team_info.team_member_key_duration, '7d');

    const acme = (await api.get('/customer/info?end_user_id=cust-acme')).body;
    assert.equal(acme.alias, 'Acme');
    assert.equal(acme.spend, 0.5);
    assert.equal(acme.allowed_model_region, 'eu');
    assert.equal(acme.litellm_budget_table.max_budget, 20);
    assert.equal(acme.litellm_budget_table.budget_duration, '30d');
    assert.equal(acme.litellm_budget_table.rpm_limit, 60);
    assert.equal((await api.get('/customer/info?end_user_id=cust-banned')).body.blocked, true);

    assert.equal(team.team_info.organization_id, 'o-acme');
    const org = (await api.get('/organization/info?organization_id=o-acme')).body;
    assert.equal(org.organization_alias, 'Acme Corp');
    assert.deepEqual(org.models, ['mock-gpt']);
    assert.deepEqual(org.metadata, { region: 'eu' });
    assert.equal(org.spend, 4.75);
    assert.equal(org.budget_id, 'b-org-acme');
    assert.equal(org.budget_reset_at, future);
    assert.equal(org.created_at, '2025-01-05T10:00:00.000Z');
    assert.equal(org.created_by, 'u-alice');
    assert.deepEqual(
      [
        org.litellm_budget_table.max_budget,
        org.litellm_budget_table.rpm_limit,
        org.litellm_budget_table.budget_duration,
        org.litellm_budget_table.budget_reset_at,
      ],
      [100, 1000, '30d', future],
    );
    assert.deepEqual(
      org.members
        .map((m: { user_id: string; user_role: string; spend: number }) => [
          m.user_id,
          m.user_role,
          m.spend,
        ])
        .sort(),
      [
        ['u-alice', 'org_admin', 2],
        ['u-bob', 'internal_user', 1.25],
        ['u-carol', 'internal_user_viewer', 0],
      ],
    );
    const aliceInOrg = org.members.find((m: { user_id: string }) => m.user_id === 'u-alice');
    assert.equal(aliceInOrg.litellm_budget_table.max_budget, 15);
    assert.deepEqual(
      org.teams.map((t: { team_id: string }) => t.team_id),
      ['t-research'],
    );

    const tags = (await api.post('/tag/info', { names: ['prod', 'batch', 'capped'] })).body;
    assert.deepEqual(Object.keys(tags).sort(), ['batch', 'capped', 'prod']);
    const prod = tags.prod;
    assert.equal(prod.description, 'Production traffic');
    assert.deepEqual(prod.models, ['mock-gpt']);
    assert.equal(prod.spend, 1.25);
    assert.equal(prod.budget_id, 'b-tag-prod');
    assert.deepEqual(
      [prod.max_budget, prod.rpm_limit, prod.budget_duration, prod.budget_reset_at],
      [50, 100, '30d', future],
    );
    assert.equal(prod.created_at, '2025-03-01T12:00:00.000Z');
    assert.equal(prod.updated_at, '2025-03-02T12:00:00.000Z');
    assert.equal(prod.created_by, 'u-alice');
    assert.deepEqual(
      [tags.batch.description, tags.batch.spend, tags.batch.budget_id, tags.batch.max_budget],
      [null, 0.5, null, null],
    );
    assert.equal(tags.batch.litellm_budget_table, null);

    // The key of a team whose organization has spent its budget is refused for the organization.
    const broke = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: RAW.broke, maxRetries: 0 });
    await assert.rejects(
      broke.chat.completions.create({
        model: 'priced-gpt',
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.ok(error.status === 429 || error.status === 400, `status ${error.status}`);
        assert.match(
          (error.error as { message: string }).message,
          /^Budget has been exceeded! Organization=o-broke Current cost: 1\.5/,
        );
        return true;
      },
    );

    // A call booked under a tag that has spent its imported budget is refused for the tag.
    const tagged = new OpenAI({
      baseURL: `${gateway.url}/v1`,
      apiKey: RAW.alice,
      maxRetries: 0,
      defaultHeaders: { 'x-litellm-tags': 'capped' },
    });
    await assert.rejects(
      tagged.chat.completions.create({
        model: 'priced-gpt',
        messages: [{ role: 'user', content: 'hi' }],
      }),
      (error: unknown) => {
        assert.ok(error instanceof OpenAI.APIError);
        assert.ok(error.status === 429 || error.status === 400, `status ${error.status}`);
        assert.match(
          (error.error as { message: string }).message,
          /^Budget has been exceeded! Tag=capped Current cost: 1\.5, Max budget: 1\.0$/,
        );
        return true;
      },
    );
  } finally {
    await gateway?.close();
  }
}

/**
 * The gateway the hostile-input, fuzzing and secrets-at-rest suites attack: SQLite, a master key,
 * a priced mock model, an OpenAI-compatible upstream that needs a provider key from the config, a
 * model added through /model/new with a provider key of its own, two teams with an admin each,
 * one user of every role, a victim user, key and customer, and every log line captured. It knows
 * every secret it planted, so the suites can look for them where they must never appear.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { hashKey } from '../../src/auth/authenticate.js';
import { sqlitePath } from '../../src/store/open-database.js';
import { adminClient, type AdminClient } from './admin-client.js';
import { testDatabases, type OpenedTestStore } from './databases.js';
import { startGateway, type TestGateway } from './gateway.js';
import { startOpenAiSimulator } from '../simulators/openai-simulator.js';
import type { Simulator } from '../simulators/simulator-server.js';

/** The callers the suites act as; `none` sends no key, `bogus` a well-formed unknown one. */
export type CallerName =
  | 'master'
  | 'team_a_admin'
  | 'team_b_admin'
  | 'internal_user'
  | 'internal_user_viewer'
  | 'proxy_admin_viewer'
  | 'none'
  | 'bogus';

export interface HostileFixture {
  gateway: TestGateway;
  opened: OpenedTestStore;
  upstream: Simulator;
  api: AdminClient;
  /** Raw keys by caller ('' for none). */
  keys: Record<CallerName, string>;
  ids: {
    teamA: string;
    teamB: string;
    teamAAdmin: string;
    teamBAdmin: string;
    victimUser: string;
    victimKey: string;
    victimKeyHash: string;
    customer: string;
    dbModel: string;
  };
  /** Model names the gateway serves. */
  models: string[];
  /** Everything that must never leave the gateway (unless the request itself carried it). */
  secrets: { name: string; value: string }[];
  /** A second, read-only connection to the SQLite file: what is really stored. */
  reader: Database.Database;
  /** The gateway's log lines so far. */
  logs: string[];
  close(): Promise<void>;
}

export const PRICED_INPUT = 0.000001;
export const PRICED_OUTPUT = 0.000002;

/** A secret that looks like what it stands for and is long enough to find. */
function secret(prefix: string): string {
  return `${prefix}${randomBytes(18).toString('hex')}`;
}

export async function startHostileFixture(): Promise<HostileFixture> {
  const masterKey = secret('sk-master-');
  const configProviderKey = secret('sk-provider-config-');
  const dbProviderKey = secret('sk-provider-db-');
  const awsSecret = secret('aws-secret-');
  const password = secret('pw-');
  const upstream = await startOpenAiSimulator();
  const sqlite = (await testDatabases()).find((d) => d.name === 'sqlite');
  assert.ok(sqlite);
  const opened = await sqlite.open();
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(line);
      done();
    },
  });
  const gateway = await startGateway(
    {
      model_list: [
        {
          model_name: 'gpt-4o-mini',
          litellm_params: {
            model: 'mock/gpt-4o-mini',
            input_cost_per_token: PRICED_INPUT,
            output_cost_per_token: PRICED_OUTPUT,
          },
        },
        {
          model_name: 'mock-embedding',
          litellm_params: { model: 'mock/mock-embedding' },
          model_info: { mode: 'embedding' },
        },
        {
          model_name: 'mock-image',
          litellm_params: { model: 'mock/mock-image', output_cost_per_image: 0.04 },
          model_info: { mode: 'image_generation' },
        },
        {
          model_name: 'mock-speech',
          litellm_params: { model: 'mock/mock-speech', input_cost_per_character: 0.000015 },
          model_info: { mode: 'audio_speech' },
        },
        {
          model_name: 'upstream-gpt',
          litellm_params: {
            model: 'openai/gpt-4o-mini',
            api_base: `${upstream.url}/v1`,
            api_key: configProviderKey,
          },
        },
      ],
      general_settings: { master_key: masterKey, max_request_size_mb: 1 },
    },
    { store: opened.store, logStream },
  );
  const api = adminClient(gateway.url, masterKey);
  const ok = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const r = await api.post(path, body);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
    return r.body as Record<string, unknown>;
  };

  const dbModel = 'db-model-1';
  await ok('/model/new', {
    model_name: 'db-gpt',
    litellm_params: {
      model: 'openai/gpt-4o-mini',
      api_base: `${upstream.url}/v1`,
      api_key: dbProviderKey,
      aws_secret_access_key: awsSecret,
    },
    model_info: { id: dbModel },
  });
  await ok('/team/new', { team_id: 'team-a', team_alias: 'Team A' });
  await ok('/team/new', { team_id: 'team-b', team_alias: 'Team B' });
  const userKey = async (userId: string, role: string, extra: Record<string, unknown> = {}) =>
    (await ok('/user/new', { user_id: userId, user_role: role, ...extra })).key as string;
  await userKey('admin-a', 'internal_user', { password });
  await userKey('admin-b', 'internal_user');
  await ok('/team/member_add', {
    team_id: 'team-a',
    member: { user_id: 'admin-a', role: 'admin' },
  });
  await ok('/team/member_add', {
    team_id: 'team-b',
    member: { user_id: 'admin-b', role: 'admin' },
  });
  const teamKey = async (userId: string, teamId: string) =>
    (await ok('/key/generate', { user_id: userId, team_id: teamId })).key as string;
  const keys: Record<CallerName, string> = {
    master: masterKey,
    team_a_admin: await teamKey('admin-a', 'team-a'),
    team_b_admin: await teamKey('admin-b', 'team-b'),
    internal_user: await userKey('plain-user', 'internal_user'),
    internal_user_viewer: await userKey('viewer-user', 'internal_user_viewer'),
    proxy_admin_viewer: await userKey('admin-viewer', 'proxy_admin_viewer'),
    none: '',
    bogus: 'sk-bogus-0000000000000000',
  };
  await userKey('victim', 'internal_user', { password: secret('pw-victim-') });
  const victimKey = (await ok('/key/generate', { user_id: 'victim', key_alias: 'victim-key' }))
    .key as string;
  await ok('/customer/new', { user_id: 'customer-1', max_budget: 5 });

  const reader = new Database(sqlitePath(opened.url), { readonly: true });
  const secrets = [
    { name: 'master key', value: masterKey },
    { name: 'provider key from the config', value: configProviderKey },
    { name: 'provider key from /model/new', value: dbProviderKey },
    { name: 'AWS secret from /model/new', value: awsSecret },
    { name: 'password', value: password },
    { name: 'victim key', value: victimKey },
    ...(['team_a_admin', 'team_b_admin', 'internal_user', 'internal_user_viewer'] as const).map(
      (caller) => ({ name: `${caller} key`, value: keys[caller] }),
    ),
    { name: 'proxy_admin_viewer key', value: keys.proxy_admin_viewer },
  ];
  return {
    gateway,
    opened,
    upstream,
    api,
    keys,
    ids: {
      teamA: 'team-a',
      teamB: 'team-b',
      teamAAdmin: 'admin-a',
      teamBAdmin: 'admin-b',
      victimUser: 'victim',
      victimKey,
      victimKeyHash: hashKey(victimKey),
      customer: 'customer-1',
      dbModel,
    },
    models: [
      'gpt-4o-mini',
      'mock-embedding',
      'mock-image',
      'mock-speech',
      'upstream-gpt',
      'db-gpt',
    ],
    secrets,
    reader,
    logs,
    close: async () => {
      reader.close();
      await gateway.close();
      await opened.close();
      await upstream.close();
    },
  };
}

/**
 * The secrets found in `text` that the request did not carry itself (an id echoed back is not a
 * leak), and any password hash. Parts of a secret count too: any 16 characters in a row of it
 * (masking that shows most of a key is a leak, CVE-2024-9606).
 */
export function leakedSecrets(
  text: string,
  secrets: readonly { name: string; value: string }[],
  request = '',
): string[] {
  const found: string[] = [];
  for (const { name, value } of secrets) {
    if (request.includes(value.slice(-16))) continue;
    if (containsPart(text, value, 16)) found.push(name);
  }
  if (/scrypt\$[A-Za-z0-9_-]{8,}/.test(text)) found.push('a password hash');
  return found;
}

function containsPart(text: string, value: string, length: number): boolean {
  for (let i = 0; i + length <= value.length; i++) {
    if (text.includes(value.slice(i, i + length))) return true;
  }
  return false;
}

/**
 * Secrets at rest, read straight from the SQLite file: provider credentials of /model/new sealed
 * with AES-256-GCM, passwords under scrypt (N=2^14, r=8, p=1, 16-byte salt), keys only as their
 * SHA-256; and no planted secret anywhere in the database file or its write-ahead log.
 */
import assert from 'node:assert/strict';
import { createHash, scryptSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { sqlitePath } from '../src/store/open-database.js';
import { startHostileFixture, type HostileFixture } from './helpers/hostile-fixture.js';

describe('secrets at rest', () => {
  let fixture: HostileFixture;
  before(async () => {
    fixture = await startHostileFixture();
  });
  after(async () => {
    await fixture?.close();
  });

  const row = <T>(query: string, ...params: unknown[]): T =>
    fixture.reader.prepare(query).get(...params) as T;

  it('stores the provider credentials of /model/new sealed, and only the model name in clear', () => {
    const stored = row<{ litellm_params: string }>(
      'select litellm_params from models where model_id = ?',
      fixture.ids.dbModel,
    );
    const params = JSON.parse(stored.litellm_params) as Record<string, string>;
    assert.equal(params.model, 'openai/gpt-4o-mini');
    for (const name of ['api_key', 'aws_secret_access_key', 'api_base']) {
      assert.match(params[name] ?? '', /^tg1:[\w-]{16}:[\w-]+:[\w-]{22}$/, `${name} is sealed`);
    }
    for (const { value } of fixture.secrets) assert.ok(!stored.litellm_params.includes(value));
  });

  it('stores passwords as salted scrypt with the stated cost, never in clear', () => {
    const { password_hash: stored } = row<{ password_hash: string }>(
      "select password_hash from users where user_id = 'admin-a'",
    );
    const [scheme, salt, hash] = stored.split('$');
    assert.equal(scheme, 'scrypt');
    assert.equal(Buffer.from(salt ?? '', 'base64url').length, 16, 'a 16-byte random salt');
    assert.equal(Buffer.from(hash ?? '', 'base64url').length, 32);
    const password = fixture.secrets.find((s) => s.name === 'password')?.value ?? '';
    const recomputed = scryptSync(password, Buffer.from(salt ?? '', 'base64url'), 32, {
      N: 2 ** 14,
      r: 8,
      p: 1,
    });
    assert.equal(recomputed.toString('base64url'), hash, 'scrypt with N=16384, r=8, p=1');
    const others = fixture.reader
      .prepare(
        "select password_hash from users where password_hash is not null and user_id != 'admin-a'",
      )
      .all() as { password_hash: string }[];
    assert.ok(
      others.every((o) => o.password_hash !== stored),
      'every hash has its own salt',
    );
  });

  it('stores keys only as their SHA-256 and the raw key nowhere', () => {
    for (const key of [
      fixture.keys.team_a_admin,
      fixture.keys.internal_user,
      fixture.ids.victimKey,
    ]) {
      const hash = createHash('sha256').update(key).digest('hex');
      assert.equal(row<{ n: number }>('select count(*) as n from keys where token = ?', hash).n, 1);
    }
  });

  it('holds no planted secret anywhere in the database file or its log', async () => {
    // A few calls, so the spend log and audit log have rows too.
    for (const caller of ['team_a_admin', 'internal_user'] as const) {
      assert.equal((await fixture.api.chat('gpt-4o-mini', fixture.keys[caller])).status, 200);
    }
    assert.equal((await fixture.api.chat('db-gpt', fixture.keys.master)).status, 200);
    await fixture.gateway.app.ledger?.flush();
    const path = sqlitePath(fixture.opened.url);
    const bytes = [path, `${path}-wal`]
      .filter((p) => existsSync(p))
      .map((p) => readFileSync(p).toString('latin1'))
      .join('');
    assert.ok(bytes.length > 0);
    for (const { name, value } of fixture.secrets) {
      assert.ok(!bytes.includes(value), `${name} is in the database file`);
    }
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import { ImmediateSqliteDialect, reusingStatements } from './sqlite-dialect.js';

function memory(): Database.Database {
  const db = new Database(':memory:');
  db.exec('create table t (id integer primary key, name text)');
  return db;
}

describe('reusingStatements', () => {
  test('hands out one prepared statement per query text', () => {
    const db = reusingStatements(memory());
    const first = db.prepare('select * from t where id = ?');
    assert.equal(db.prepare('select * from t where id = ?'), first);
    assert.notEqual(db.prepare('select * from t where name = ?'), first);
    db.close();
  });

  test('drops the least recently used statement beyond its size', () => {
    const db = reusingStatements(memory(), 2);
    const a = db.prepare('select 1');
    const b = db.prepare('select 2');
    assert.equal(db.prepare('select 1'), a, 'a is now the most recently used');
    db.prepare('select 3');
    assert.equal(db.prepare('select 1'), a, 'a was kept');
    assert.notEqual(db.prepare('select 2'), b, 'b was dropped and is prepared anew');
    db.close();
  });

  test('never hands out a statement that is still being iterated', () => {
    const raw = memory();
    raw.exec("insert into t (name) values ('a'), ('b')");
    const db = reusingStatements(raw);
    const text = 'select name from t order by id';
    const iterating = db.prepare(text);
    const rows = iterating.iterate([]);
    rows.next();
    const other = db.prepare(text);
    assert.notEqual(other, iterating);
    assert.deepEqual(other.all([]), [{ name: 'a' }, { name: 'b' }]);
    rows.return?.();
    assert.equal(db.prepare(text), iterating, 'the cached one again once it is done');
    db.close();
  });

  test('Kysely runs its queries, transactions included, over the reused statements', async () => {
    const kysely = new Kysely<{ t: { id: number; name: string } }>({
      dialect: new ImmediateSqliteDialect({ database: reusingStatements(memory()) }),
    });
    for (let i = 0; i < 3; i++) {
      await kysely.transaction().execute(async (trx) => {
        await trx
          .insertInto('t')
          .values({ id: i, name: `n${i}` })
          .execute();
      });
    }
    const rows = await kysely.selectFrom('t').select(['id', 'name']).orderBy('id').execute();
    assert.deepEqual(rows, [
      { id: 0, name: 'n0' },
      { id: 1, name: 'n1' },
      { id: 2, name: 'n2' },
    ]);
    const { rows: counted } = await sql<{ n: number }>`select count(*) as n from t`.execute(kysely);
    assert.equal(counted[0]?.n, 3);
    await kysely.destroy();
  });
});

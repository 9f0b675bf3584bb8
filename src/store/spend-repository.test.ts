import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import type { SpendLogTable } from './schema.js';
import { LOG_COLUMNS, logValues, pgArrayLiteral } from './spend-repository.js';

// pg's own conversion of an array parameter, which the literal must equal element for element.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils') as {
  prepareValue: (value: unknown) => unknown;
};

describe('pgArrayLiteral', () => {
  it("writes each column as pg's own array conversion does", () => {
    const awkward = [
      'plain',
      '',
      'a "quoted" word',
      'back\\slash',
      '\\"both\\"',
      '{braces}, commas',
      'NULL',
      'é 😀 \u2028',
      ' spaces ',
    ];
    const rows: unknown[][] = awkward.map((text, i) => [
      text,
      i % 3 === 0 ? null : i,
      i % 2 === 0 ? undefined : 0.000123456789 * i,
      2 ** 40 + i,
      1e-7,
      i % 2 === 0,
    ]);
    for (let column = 0; column < 6; column++) {
      const expected = prepareValue(rows.map((row) => row[column]));
      assert.equal(pgArrayLiteral(rows, column), expected, `column ${column}`);
    }
    assert.equal(pgArrayLiteral([], 0), prepareValue([]));
  });
});

describe('logValues', () => {
  it('lists every spend log column, in the order of LOG_COLUMNS', () => {
    // A distinct value per column: a column left out or out of place shows.
    const row = Object.fromEntries(
      LOG_COLUMNS.map((c, i) => [c, `value-${i}`]),
    ) as unknown as SpendLogTable;
    assert.deepEqual(
      logValues(row),
      LOG_COLUMNS.map((c) => row[c]),
    );
  });
});

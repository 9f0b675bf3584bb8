import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DurationError,
  addDuration,
  durationSeconds,
  instantAfter,
  parseDuration,
  subtractDuration,
} from './duration.js';

const T0 = Date.UTC(2025, 0, 31, 12, 30, 0); // 2025-01-31T12:30:00Z

describe('parseDuration (LiteLLM duration_in_seconds)', () => {
  test('reads each unit; m is minutes, mo calendar months', () => {
    assert.deepEqual(parseDuration('30s'), { amount: 30, unit: 's' });
    assert.deepEqual(parseDuration('30m'), { amount: 30, unit: 'm' });
    assert.deepEqual(parseDuration('30h'), { amount: 30, unit: 'h' });
    assert.deepEqual(parseDuration('30d'), { amount: 30, unit: 'd' });
    assert.deepEqual(parseDuration('2w'), { amount: 2, unit: 'w' });
    assert.deepEqual(parseDuration('1mo'), { amount: 1, unit: 'mo' });
  });

  test('matches the unit as a prefix, so trailing text is ignored', () => {
    assert.deepEqual(parseDuration('24hr'), { amount: 24, unit: 'h' });
    assert.deepEqual(parseDuration('30days'), { amount: 30, unit: 'd' });
    assert.deepEqual(parseDuration('3months'), { amount: 3, unit: 'mo' });
    assert.deepEqual(parseDuration('10min'), { amount: 10, unit: 'm' });
  });

  test('no duration for empty, none and null', () => {
    for (const text of ['', '  ', 'none', 'None', 'null']) assert.equal(parseDuration(text), null);
  });

  test('the words users write: daily, weekly, monthly', () => {
    assert.deepEqual(parseDuration('daily'), { amount: 1, unit: 'd' });
    assert.deepEqual(parseDuration('Weekly'), { amount: 1, unit: 'w' });
    assert.deepEqual(parseDuration('monthly'), { amount: 1, unit: 'mo' });
  });

  test('digits without a unit: "Unsupported duration unit"', () => {
    assert.throws(() => parseDuration('30'), {
      name: 'DurationError',
      message: 'Unsupported duration unit, passed duration: 30',
    });
    assert.throws(() => parseDuration('5x'), /Unsupported duration unit, passed duration: 5x/);
  });

  test('no leading digits: "Invalid duration format"', () => {
    for (const text of ['yearly', 'd30', '-1', '1.5h']) {
      assert.throws(
        () => parseDuration(text),
        (e: unknown) =>
          e instanceof DurationError &&
          (e.message.startsWith('Invalid duration format') ||
            e.message.startsWith('Unsupported duration unit')),
        text,
      );
    }
    assert.throws(
      () => parseDuration('yearly'),
      /^DurationError: Invalid duration format, passed duration: yearly$/,
    );
  });
});

describe('addDuration', () => {
  test('fixed units add seconds', () => {
    assert.equal(addDuration(T0, { amount: 1, unit: 's' }), T0 + 1000);
    assert.equal(addDuration(T0, { amount: 2, unit: 'm' }), T0 + 120_000);
    assert.equal(addDuration(T0, { amount: 1, unit: 'h' }), T0 + 3_600_000);
    assert.equal(addDuration(T0, { amount: 1, unit: 'd' }), T0 + 86_400_000);
    assert.equal(addDuration(T0, { amount: 1, unit: 'w' }), T0 + 7 * 86_400_000);
  });

  test('months are calendar months, clamped to the end of a shorter month', () => {
    assert.equal(
      new Date(addDuration(T0, { amount: 1, unit: 'mo' })).toISOString(),
      '2025-02-28T12:30:00.000Z',
    );
    assert.equal(
      new Date(addDuration(T0, { amount: 13, unit: 'mo' })).toISOString(),
      '2026-02-28T12:30:00.000Z',
    );
    const mid = Date.UTC(2024, 10, 15);
    assert.equal(
      new Date(addDuration(mid, { amount: 2, unit: 'mo' })).toISOString(),
      '2025-01-15T00:00:00.000Z',
    );
  });

  test('durationSeconds counts a month from the given instant', () => {
    assert.equal(durationSeconds({ amount: 1, unit: 'mo' }, T0), 28 * 86_400);
    assert.equal(durationSeconds({ amount: 14, unit: 'd' }, T0), 14 * 86_400);
  });

  test('instantAfter parses and adds, null for no duration', () => {
    assert.equal(instantAfter('1h', T0), T0 + 3_600_000);
    assert.equal(instantAfter('none', T0), null);
  });
});

describe('parseDuration with names of Object.prototype', () => {
  test('refuses them as any other text that is not a duration', () => {
    for (const text of ['__proto__', 'constructor', 'CONSTRUCTOR', 'toString', 'hasOwnProperty']) {
      assert.throws(() => parseDuration(text), DurationError, text);
    }
  });
});

describe('subtractDuration', () => {
  const at = (iso: string) => Date.parse(iso);
  test('goes back by seconds, minutes, hours, days and weeks', () => {
    const now = at('2026-11-27T12:00:00.000Z');
    assert.equal(subtractDuration(now, { amount: 30, unit: 's' }), at('2026-11-27T11:59:30.000Z'));
    assert.equal(subtractDuration(now, { amount: 90, unit: 'm' }), at('2026-11-27T10:30:00.000Z'));
    assert.equal(subtractDuration(now, { amount: 7, unit: 'd' }), at('2026-11-20T12:00:00.000Z'));
    assert.equal(subtractDuration(now, { amount: 2, unit: 'w' }), at('2026-11-13T12:00:00.000Z'));
  });

  test('goes back by calendar months, across years, to the last day of a shorter month', () => {
    assert.equal(
      subtractDuration(at('2026-03-31T08:00:00.000Z'), { amount: 1, unit: 'mo' }),
      at('2026-02-28T08:00:00.000Z'),
    );
    assert.equal(
      subtractDuration(at('2026-01-15T00:00:00.000Z'), { amount: 13, unit: 'mo' }),
      at('2024-12-15T00:00:00.000Z'),
    );
    assert.equal(
      subtractDuration(at('2026-11-27T00:00:00.000Z'), { amount: 12, unit: 'mo' }),
      at('2025-11-27T00:00:00.000Z'),
    );
  });
});

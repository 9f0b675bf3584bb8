import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DurationError } from '../util/duration.js';
import { currentWindow, firstResetAt } from './budget-window.js';

const iso = (ms: number) => new Date(ms).toISOString();
const at = (text: string) => Date.parse(text);

describe('firstResetAt, aligned as newer LiteLLM with litellm_settings.timezone', () => {
  // A Wednesday afternoon.
  const now = at('2025-01-15T13:45:10Z');
  const utc = { align: true };

  test('days, weeks and months reset on calendar boundaries', () => {
    const cases: [string, string][] = [
      ['1d', '2025-01-16T00:00:00.000Z'],
      ['daily', '2025-01-16T00:00:00.000Z'],
      ['7d', '2025-01-20T00:00:00.000Z'],
      ['1w', '2025-01-20T00:00:00.000Z'],
      ['weekly', '2025-01-20T00:00:00.000Z'],
      ['30d', '2025-02-01T00:00:00.000Z'],
      ['1mo', '2025-02-01T00:00:00.000Z'],
      ['monthly', '2025-02-01T00:00:00.000Z'],
      ['3d', '2025-01-18T00:00:00.000Z'],
      ['6h', '2025-01-15T18:00:00.000Z'],
      ['15m', '2025-01-15T14:00:00.000Z'],
      ['30s', '2025-01-15T13:45:30.000Z'],
      ['not a duration', '2025-01-16T00:00:00.000Z'],
    ];
    for (const [duration, expected] of cases) {
      assert.equal(iso(firstResetAt(duration, now, utc)), expected, duration);
    }
  });

  test('a Monday resets on the next Monday; hours past the last multiple go to midnight', () => {
    assert.equal(
      iso(firstResetAt('1w', at('2025-01-20T08:00:00Z'), utc)),
      '2025-01-27T00:00:00.000Z',
    );
    assert.equal(
      iso(firstResetAt('5h', at('2025-01-15T22:10:00Z'), utc)),
      '2025-01-16T00:00:00.000Z',
    );
  });

  test('only 1-month intervals are aligned, as in LiteLLM', () => {
    assert.throws(() => firstResetAt('2mo', now, utc), DurationError);
  });

  test('boundaries are wall-clock times of the zone, across daylight saving', () => {
    const newYork = { align: true, timeZone: 'America/New_York' };
    // 07:00 EST → midnight EST.
    assert.equal(
      iso(firstResetAt('1d', at('2025-03-08T12:00:00Z'), newYork)),
      '2025-03-09T05:00:00.000Z',
    );
    // The clocks went forward that night: the next midnight is EDT.
    assert.equal(
      iso(firstResetAt('1d', at('2025-03-09T12:00:00Z'), newYork)),
      '2025-03-10T04:00:00.000Z',
    );
    const kolkata = { align: true, timeZone: 'Asia/Kolkata' };
    // 19:15 IST → 20:00 IST.
    assert.equal(
      iso(firstResetAt('1h', at('2025-01-15T13:45:00Z'), kolkata)),
      '2025-01-15T14:30:00.000Z',
    );
  });

  test('unaligned, as older LiteLLM: now + duration', () => {
    assert.equal(firstResetAt('1d', now, { align: false }), now + 86_400_000);
    assert.equal(iso(firstResetAt('1mo', now, { align: false })), '2025-02-15T13:45:10.000Z');
  });
});

describe('currentWindow', () => {
  test('rolls a passed window forward by whole durations', () => {
    const window = currentWindow('2025-01-01T00:00:00Z', '3d', at('2025-01-15T13:45:00Z'));
    assert.deepEqual(window, { resetAt: at('2025-01-16T00:00:00Z'), rolled: true });
    assert.deepEqual(currentWindow('2025-02-01T00:00:00Z', '3d', at('2025-01-15T00:00:00Z')), {
      resetAt: at('2025-02-01T00:00:00Z'),
      rolled: false,
    });
  });

  test('aligned windows keep to calendar boundaries after the stored one', () => {
    const aligned = { align: true };
    // A 30-day budget aligned to the 1st: the window after Feb 1 ends on Mar 1, not Mar 3.
    assert.equal(
      iso(
        currentWindow('2025-02-01T00:00:00Z', '30d', at('2025-02-10T00:00:00Z'), aligned).resetAt!,
      ),
      '2025-03-01T00:00:00.000Z',
    );
    // Same in the zone across the daylight-saving change: midnights of New York.
    const newYork = { align: true, timeZone: 'America/New_York' };
    assert.equal(
      iso(
        currentWindow('2025-03-01T05:00:00Z', '3d', at('2025-03-15T12:00:00Z'), newYork).resetAt!,
      ),
      '2025-03-16T04:00:00.000Z',
    );
    // A stored window long past is found without walking every window.
    assert.equal(
      iso(
        currentWindow('2020-01-01T00:00:00Z', '3d', at('2025-01-15T13:45:00Z'), aligned).resetAt!,
      ),
      iso(currentWindow('2020-01-01T00:00:00Z', '3d', at('2025-01-15T13:45:00Z')).resetAt!),
    );
  });
});

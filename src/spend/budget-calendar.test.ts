import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DurationError } from '../util/duration.js';
import { BudgetCalendar } from './budget-calendar.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const at = (text: string) => Date.parse(text);

describe('BudgetCalendar', () => {
  // 22:00 on Wednesday Jan 15 in New York.
  const now = at('2025-01-16T03:00:00Z');
  const newYork = BudgetCalendar.inZone('America/New_York');

  test('is unaligned unless the money settings name a time zone', () => {
    assert.equal(BudgetCalendar.of({}), BudgetCalendar.UNALIGNED);
    assert.deepEqual(BudgetCalendar.of({ budgetTimeZone: 'Asia/Tokyo' }).alignment, {
      align: true,
      timeZone: 'Asia/Tokyo',
    });
  });

  test('the first reset: budget_duration from now, or the next boundary of the zone', () => {
    assert.equal(iso(BudgetCalendar.UNALIGNED.firstReset('1d', now)), '2025-01-17T03:00:00.000Z');
    assert.equal(iso(newYork.firstReset('1d', now)), '2025-01-16T05:00:00.000Z');
    assert.equal(iso(newYork.firstReset('weekly', now)), '2025-01-20T05:00:00.000Z');
  });

  test('no duration resets never; an unreadable one is refused, aligned or not', () => {
    for (const calendar of [BudgetCalendar.UNALIGNED, newYork]) {
      assert.equal(calendar.firstReset('none', now), null);
      assert.equal(calendar.firstReset('', now), null);
      assert.throws(() => calendar.firstReset('soon', now), DurationError);
    }
    assert.throws(() => newYork.firstReset('2mo', now), /only support 1 month intervals/);
    assert.equal(iso(BudgetCalendar.UNALIGNED.firstReset('2mo', now)), '2025-03-16T03:00:00.000Z');
  });

  test('windows after a stored reset follow the calendar across a change of clocks', () => {
    // Stored: midnight Mar 9 (EST). 23:30 on Mar 9 (EDT) is in the window ending at midnight
    // Mar 10, 23 hours later; unaligned, windows stay 24 hours long.
    const stored = '2025-03-09T05:00:00.000Z';
    const late = at('2025-03-10T03:30:00Z');
    assert.deepEqual(newYork.window(stored, '1d', late), {
      resetAt: at('2025-03-10T04:00:00Z'),
      rolled: true,
    });
    assert.equal(
      iso(BudgetCalendar.UNALIGNED.window(stored, '1d', late).resetAt),
      '2025-03-10T05:00:00.000Z',
    );
  });
});

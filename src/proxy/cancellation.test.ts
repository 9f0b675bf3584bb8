import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { Cancellation } from './cancellation.js';

describe('Cancellation', () => {
  test('abort runs each listener once, with the reason, however often it is called', () => {
    const cancel = new Cancellation();
    const seen: unknown[] = [];
    cancel.onAbort((reason) => seen.push(['first', reason]));
    cancel.onAbort((reason) => seen.push(['second', reason]));
    const reason = new Error('client gone');
    assert.equal(cancel.aborted, false);
    cancel.abort(reason);
    cancel.abort(new Error('again'));
    assert.equal(cancel.aborted, true);
    assert.equal(cancel.reason, reason);
    assert.deepEqual(seen, [
      ['first', reason],
      ['second', reason],
    ]);
  });

  test('the default reason is an AbortError, as AbortController gives', () => {
    const cancel = new Cancellation();
    cancel.abort();
    assert.equal(cancel.reason?.name, 'AbortError');
  });

  test('an unsubscribed listener is not run; the others are', () => {
    const cancel = new Cancellation();
    const seen: string[] = [];
    const stop = cancel.onAbort(() => seen.push('gone'));
    cancel.onAbort(() => seen.push('kept'));
    stop();
    stop();
    cancel.abort();
    assert.deepEqual(seen, ['kept']);
  });

  test('a listener added after the abort runs at once', () => {
    const cancel = new Cancellation();
    cancel.abort();
    let ran = 0;
    const stop = cancel.onAbort(() => ran++);
    stop();
    assert.equal(ran, 1);
  });

  test('a listener may unsubscribe itself, or another, while the abort runs', () => {
    const cancel = new Cancellation();
    const seen: string[] = [];
    const stops: (() => void)[] = [];
    stops.push(cancel.onAbort(() => (seen.push('a'), stops.forEach((stop) => stop()))));
    stops.push(cancel.onAbort(() => seen.push('b')));
    cancel.abort();
    assert.deepEqual(seen, ['a', 'b']);
  });

  test('its signal is made on first use and follows the abort', () => {
    const cancel = new Cancellation();
    const signal = cancel.signal;
    assert.equal(cancel.signal, signal, 'one signal, however often it is read');
    assert.equal(signal.aborted, false);
    const reason = new Error('client gone');
    cancel.abort(reason);
    assert.equal(signal.aborted, true);
    assert.equal(signal.reason, reason);
  });

  test('a signal first read after the abort is already aborted, with the reason', () => {
    const cancel = new Cancellation();
    const reason = new Error('client gone');
    cancel.abort(reason);
    assert.equal(cancel.signal.aborted, true);
    assert.equal(cancel.signal.reason, reason);
  });

  test('timeout aborts with a TimeoutError once the time has passed', async () => {
    const cancel = Cancellation.timeout(20);
    assert.equal(cancel.aborted, false);
    // Its own timer keeps no process alive: this test's wait does.
    await sleep(100);
    assert.equal(cancel.reason?.name, 'TimeoutError');
  });
});

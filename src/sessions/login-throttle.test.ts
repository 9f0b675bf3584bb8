import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LoginThrottle } from './login-throttle.js';

describe('LoginThrottle', () => {
  test('refuses after the limit until the oldest failure leaves the window', () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle({ limit: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) {
      assert.equal(throttle.retryAfter(['ip:a']), undefined);
      throttle.fail(['ip:a', 'user:x']);
      now += 10_000;
    }
    // Failures at 0 s, 10 s, 20 s; now 30 s: the first leaves the window at 60 s.
    assert.equal(throttle.retryAfter(['ip:a']), 30);
    assert.equal(throttle.retryAfter(['ip:b', 'user:x']), 30);
    assert.equal(throttle.retryAfter(['ip:b', 'user:y']), undefined);
    now += 30_000;
    assert.equal(throttle.retryAfter(['ip:a']), undefined);
  });

  test('sweeps names whose failures all left the window', () => {
    let now = 0;
    const throttle = new LoginThrottle({ limit: 1, windowMs: 1000, now: () => now });
    for (let i = 0; i < 10_000; i++) throttle.fail([`user:${i}`]);
    now = 5000;
    throttle.fail(['user:new']);
    const kept = (throttle as unknown as { failures: Map<string, number[]> }).failures;
    assert.deepEqual([...kept.keys()], ['user:new']);
    assert.equal(throttle.retryAfter(['user:new']), 1);
  });
});

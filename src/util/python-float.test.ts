import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pythonFloat } from './python-float.js';

test('prints floats as Python’s repr does', () => {
  const cases: [number, string][] = [
    [0, '0.0'],
    [10, '10.0'],
    [0.02, '0.02'],
    [0.1 + 0.2, '0.30000000000000004'],
    [0.00001, '1e-05'],
    [0.0001, '0.0001'],
    [0.000122, '0.000122'],
    [2.5e-7, '2.5e-07'],
    [123456.789, '123456.789'],
    [1e16, '1e+16'],
    [1.5e16, '1.5e+16'],
    [9999999999999998, '9999999999999998.0'],
    [-0.5, '-0.5'],
    [-0.00002, '-2e-05'],
    [Infinity, 'inf'],
  ];
  for (const [value, expected] of cases) assert.equal(pythonFloat(value), expected, String(value));
});

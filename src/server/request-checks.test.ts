import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Fastify from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import { installRequestChecks, type RequestCheck } from './request-checks.js';

/** A Fastify app with `checks` before one route that answers what the checks saw. */
async function appWith(checks: RequestCheck[]) {
  const app = Fastify();
  app.setErrorHandler((error: Error, _request, reply) => {
    void reply
      .status(error instanceof GatewayError ? error.status : 500)
      .send({ refused: error.message });
  });
  installRequestChecks(app, checks);
  app.post('/call', async () => ({ handled: true }));
  await app.ready();
  return app;
}

describe('request checks', () => {
  test('run in order, synchronous and asynchronous alike, before the handler', async () => {
    const ran: string[] = [];
    const app = await appWith([
      () => void ran.push('sync'),
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        ran.push('async');
      },
      () => void ran.push('after async'),
    ]);
    const response = await app.inject({ method: 'POST', url: '/call', payload: {} });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { handled: true });
    assert.deepEqual(ran, ['sync', 'async', 'after async']);
  });

  test('the first refusal, thrown or rejected, answers and stops the rest', async () => {
    for (const refuse of [
      (): void => {
        throw new GatewayError('bad_request', 'too deep');
      },
      (): Promise<void> => Promise.reject(new GatewayError('bad_request', 'too deep')),
    ]) {
      let later = 0;
      const app = await appWith([refuse, () => void later++]);
      const response = await app.inject({ method: 'POST', url: '/call', payload: {} });
      assert.equal(response.statusCode, 400);
      assert.deepEqual(response.json(), { refused: 'too deep' });
      assert.equal(later, 0, 'no check runs after a refusal');
    }
  });

  test('a request that no check refuses reaches the handler with no check at all', async () => {
    const app = await appWith([]);
    const response = await app.inject({ method: 'POST', url: '/call', payload: {} });
    assert.deepEqual(response.json(), { handled: true });
  });
});

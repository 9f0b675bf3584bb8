import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { testDeployment } from '../../test/helpers/test-deployment.js';
import { createMasterPrincipal } from '../auth/principal.js';
import type { Meter, OpenTab } from '../spend/meter.js';
import { Cancellation } from './cancellation.js';
import { NO_ENFORCED_PARAMS } from './enforced-params.js';
import { ProxyService, type ProxyDeps } from './proxy-service.js';
import { ModelCatalog } from './router/model-catalog.js';
import type { Router } from './router/router.js';

/**
 * A meter that makes every call wait for budget, as admission does when requests in flight hold
 * it: until the request's signal aborts.
 */
function waitingMeter(opened: OpenTab[]): Meter {
  const open = (input: OpenTab) => {
    opened.push(input);
    const signal = input.abortSignal?.();
    if (!signal) throw new Error('no signal to wait on');
    return new Promise<never>((_resolve, reject) => {
      signal.addEventListener('abort', () => reject(new Error('cancelled while waiting')));
    });
  };
  return { open } as unknown as Meter;
}

function serviceWith(meter: Meter): ProxyService {
  const catalog = new ModelCatalog([testDeployment('openai', 'gpt-4o', { modelName: 'gpt' })]);
  const config = { enforcedParams: NO_ENFORCED_PARAMS } as ProxyDeps['config'];
  return new ProxyService({ config, router: { catalog } as unknown as Router, meter } as ProxyDeps);
}

describe('ProxyService admission', () => {
  test(
    'a call waiting for budget ends when its request is cancelled',
    { timeout: 5_000 },
    async () => {
      const opened: OpenTab[] = [];
      const cancel = new Cancellation();
      const service = serviceWith(waitingMeter(opened));
      const pending = service.call('chat', { model: 'gpt' }, createMasterPrincipal('hash'), {
        requestId: 'call-1',
        cancel,
      });
      assert.equal(opened.length, 1);
      assert.equal(opened[0]?.requestId, 'call-1');
      assert.equal(opened[0]?.callType, 'acompletion');
      assert.equal(opened[0]?.abortSignal?.()?.aborted, false);
      cancel.abort();
      await assert.rejects(pending, /cancelled while waiting/);
    },
  );
});

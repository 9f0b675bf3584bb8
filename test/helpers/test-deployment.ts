/** A complete Deployment for adapter tests, with only the fields a test cares about given. */
import type { Deployment } from '../../src/contracts/deployment.js';
import type { CallContext } from '../../src/providers/types.js';

export function testDeployment(
  provider: string,
  model: string,
  overrides: Partial<Deployment> = {},
): Deployment {
  return {
    id: `${provider}-test`,
    modelName: `${provider}-group`,
    provider,
    model,
    headers: {},
    connection: {},
    defaults: {},
    modelInfo: { id: `${provider}-test`, access_groups: [] },
    ...overrides,
  };
}

export function testContext(
  deployment: Deployment,
  stream = false,
  dropParams = false,
): CallContext {
  return { deployment, stream, requestId: 'req-test-1', dropParams };
}

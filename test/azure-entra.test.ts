/**
 * Azure OpenAI with Microsoft Entra ID instead of an api-key, as LiteLLM configures it: a service
 * principal (`tenant_id`, `client_id`, `client_secret`) whose token the gateway gets from Entra
 * (simulated), caches and renews, or a fixed `azure_ad_token`. The credentials never reach the
 * provider's request body, `/model/info` or the logs. The official openai SDK is the client.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startAzureSimulator } from './simulators/azure-simulator.js';
import { startEntraSimulator, type EntraSimulator } from './simulators/entra-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

const SECRET = 'entra-client-secret-value-123';
const MESSAGES = [{ role: 'user' as const, content: 'hello azure' }];

describe('Azure OpenAI with Entra ID', () => {
  let entra: EntraSimulator;
  /** An Entra whose tokens last a second: renewed half-way, after 0.5 s. */
  let shortLived: EntraSimulator;
  let azure: Simulator;
  let gateway: TestGateway;
  let sdk: OpenAI;
  const logs: string[] = [];

  before(async () => {
    entra = await startEntraSimulator({
      tenant: 'tenant-1',
      clientId: 'app-1',
      clientSecret: SECRET,
    });
    shortLived = await startEntraSimulator({
      tenant: 'tenant-1',
      clientId: 'app-1',
      clientSecret: SECRET,
    });
    shortLived.expiresIn = 1;
    azure = await startAzureSimulator({
      apiKey: 'azure-key',
      acceptsToken: (t) =>
        entra.issued.has(t) || shortLived.issued.has(t) || t === 'operator-token',
    });
    const azureModel = (name: string, params: Record<string, unknown>) => ({
      model_name: name,
      litellm_params: {
        model: 'azure/gpt-4o-deploy',
        api_base: azure.url,
        api_version: '2024-10-21',
        ...params,
      },
    });
    const principal = {
      tenant_id: 'tenant-1',
      client_id: 'app-1',
      client_secret: SECRET,
      azure_authority_host: entra.url,
    };
    gateway = await startGateway(
      {
        model_list: [
          azureModel('azure-sp', principal),
          azureModel('azure-short', { ...principal, azure_authority_host: shortLived.url }),
          azureModel('azure-wrong', { ...principal, client_secret: 'not-the-secret' }),
          azureModel('azure-fixed', { azure_ad_token: 'operator-token' }),
          azureModel('azure-userpass', { azure_username: 'u', azure_password: 'p' }),
        ],
        general_settings: { master_key: MASTER_KEY },
      },
      {
        logStream: new Writable({
          write(chunk: Buffer, _encoding, done) {
            logs.push(chunk.toString());
            done();
          },
        }),
      },
    );
    sdk = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await gateway.close();
    await azure.close();
    await entra.close();
    await shortLived.close();
  });

  it('gets a token for the service principal, sends it as a bearer, and keeps the secret home', async () => {
    const answer = await sdk.chat.completions.create({ model: 'azure-sp', messages: MESSAGES });
    assert.ok(answer.choices[0]?.message.content);
    assert.deepEqual(entra.requests, [
      {
        grant_type: 'client_credentials',
        client_id: 'app-1',
        client_secret: SECRET,
        scope: 'https://cognitiveservices.azure.com/.default',
      },
    ]);
    const sent = azure.requests.at(-1);
    assert.equal(sent?.headers.authorization, 'Bearer entra-token-1');
    assert.equal(sent?.headers['api-key'], undefined);
    assert.ok(!sent?.rawBody.includes(SECRET), 'no credential in the request body');
    for (const field of ['tenant_id', 'client_id', 'client_secret', 'azure_authority_host']) {
      assert.ok(!sent?.rawBody.includes(field), `${field} is not sent to Azure`);
    }

    // The token is reused while it is valid.
    await sdk.chat.completions.create({ model: 'azure-sp', messages: MESSAGES });
    assert.equal(entra.requests.length, 1);
  });

  it('asks once for concurrent calls, and renews a token half-way through its life', async () => {
    const ask = () => sdk.chat.completions.create({ model: 'azure-short', messages: MESSAGES });
    await Promise.all(Array.from({ length: 5 }, ask));
    assert.equal(shortLived.requests.length, 1, 'one token request for 5 concurrent calls');
    await ask();
    assert.equal(shortLived.requests.length, 1, 'still valid: reused');
    await new Promise((resolve) => setTimeout(resolve, 600));
    await ask();
    assert.equal(shortLived.requests.length, 2, 'renewed after half its second');
    assert.equal(azure.requests.at(-1)?.headers.authorization, 'Bearer entra-token-2');
  });

  it("answers a refused token request with Entra's reason, never the secret", async () => {
    const error = await sdk.chat.completions
      .create({ model: 'azure-wrong', messages: MESSAGES })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
    assert.match(error.message, /AADSTS7000215: Invalid client secret provided/);
    assert.ok(!error.message.includes('not-the-secret'));
  });

  it('sends a fixed azure_ad_token as it is', async () => {
    await sdk.chat.completions.create({ model: 'azure-fixed', messages: MESSAGES });
    assert.equal(azure.requests.at(-1)?.headers.authorization, 'Bearer operator-token');
  });

  it('refuses username and password sign-in with a 400 that says what to use', async () => {
    const error = await sdk.chat.completions
      .create({ model: 'azure-userpass', messages: MESSAGES })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof OpenAI.BadRequestError, String(error));
    assert.match(error.message, /use tenant_id, client_id and client_secret/);
  });

  it('shows no credential in /model/info or the logs', async () => {
    const info = await (
      await fetch(`${gateway.url}/model/info`, {
        headers: { authorization: `Bearer ${MASTER_KEY}` },
      })
    ).text();
    assert.ok(!info.includes(SECRET));
    assert.ok(!info.includes('operator-token'));
    const all = logs.join('');
    assert.ok(!all.includes(SECRET), 'the secret is not logged');
    assert.ok(!all.includes('entra-token-'), 'no token is logged');
  });
});

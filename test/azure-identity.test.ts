/**
 * Azure OpenAI deployments without credentials of their own use the identity of where the gateway
 * runs, as Azure's DefaultAzureCredential finds it: a service principal in AZURE_TENANT_ID /
 * AZURE_CLIENT_ID / AZURE_CLIENT_SECRET, AKS workload identity (AZURE_FEDERATED_TOKEN_FILE), or
 * the managed identity of the VM (the instance metadata service) or App Service (IDENTITY_ENDPOINT).
 * Entra ID, the metadata services and Azure OpenAI are simulated; the client is the OpenAI SDK.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY, startGateway } from './helpers/gateway.js';
import { startAzureSimulator } from './simulators/azure-simulator.js';
import { startEntraSimulator, type EntraSimulator } from './simulators/entra-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

const dir = mkdtempSync(join(tmpdir(), 'tollgate-azure-identity-'));

/** A managed identity endpoint: the instance metadata service's or App Service's. */
interface IdentityEndpoint {
  url: string;
  requests: { path: string; query: URLSearchParams; headers: IncomingHttpHeaders }[];
  issued: Set<string>;
  server: Server;
}

async function startIdentityEndpoint(kind: 'imds' | 'app-service'): Promise<IdentityEndpoint> {
  const endpoint = { requests: [], issued: new Set<string>() } as unknown as IdentityEndpoint;
  endpoint.server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    endpoint.requests.push({ path: url.pathname, query: url.searchParams, headers: req.headers });
    const refuse = (status: number, error: string, description: string) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error, error_description: description }));
    };
    if (kind === 'imds') {
      if (url.pathname !== '/metadata/identity/oauth2/token') return refuse(404, 'not_found', '');
      if (req.headers.metadata !== 'true') {
        return refuse(400, 'invalid_request', 'Required metadata header not specified');
      }
    } else if (req.headers['x-identity-header'] !== 'app-service-secret') {
      return refuse(401, 'unauthorized', 'X-IDENTITY-HEADER is missing or wrong');
    }
    if (url.searchParams.get('resource') !== 'https://cognitiveservices.azure.com') {
      return refuse(400, 'invalid_resource', 'AADSTS500011: The resource principal was not found');
    }
    const token = `${kind}-token-${endpoint.issued.size + 1}`;
    endpoint.issued.add(token);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        kind === 'imds'
          ? {
              access_token: token,
              expires_in: '86399',
              expires_on: String(Math.floor(Date.now() / 1000) + 86399),
              resource: 'https://cognitiveservices.azure.com',
              token_type: 'Bearer',
            }
          : {
              access_token: token,
              expires_on: String(Math.floor(Date.now() / 1000) + 3600),
              resource: 'https://cognitiveservices.azure.com',
              token_type: 'Bearer',
            },
      ),
    );
  });
  await new Promise<void>((resolve) => endpoint.server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(endpoint.server.address() as AddressInfo).port}`;
  return endpoint;
}

describe('Azure OpenAI with the identity of where the gateway runs', () => {
  let entra: EntraSimulator;
  let imds: IdentityEndpoint;
  let appService: IdentityEndpoint;
  let azure: Simulator;
  const federatedFile = join(dir, 'azure-identity-token');

  before(async () => {
    entra = await startEntraSimulator({
      tenant: 'tenant-9',
      clientId: 'app-9',
      clientSecret: 'env-secret',
      federatedToken: 'k8s-service-account-token',
    });
    imds = await startIdentityEndpoint('imds');
    appService = await startIdentityEndpoint('app-service');
    azure = await startAzureSimulator({
      apiKey: 'azure-key',
      acceptsToken: (t) => entra.issued.has(t) || imds.issued.has(t) || appService.issued.has(t),
    });
    writeFileSync(federatedFile, 'k8s-service-account-token\n');
  });
  after(async () => {
    await azure?.close();
    await entra?.close();
    imds?.server.close();
    appService?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One chat call through a gateway whose Azure deployment has no credentials, under `env`. */
  async function callWith(env: Record<string, string>, params: Record<string, unknown> = {}) {
    const gateway = await startGateway(
      {
        model_list: [
          {
            model_name: 'gpt-4o',
            litellm_params: {
              model: 'azure/gpt-4o-deploy',
              api_base: azure.url,
              api_version: '2024-10-21',
              ...params,
            },
          },
        ],
        general_settings: { master_key: MASTER_KEY },
      },
      { env },
    );
    try {
      const sdk = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      return await sdk.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hello from azure' }],
      });
    } finally {
      await gateway.close();
    }
  }

  it('uses a service principal named by AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET', async () => {
    const before = entra.requests.length;
    const answer = await callWith({
      AZURE_TENANT_ID: 'tenant-9',
      AZURE_CLIENT_ID: 'app-9',
      AZURE_CLIENT_SECRET: 'env-secret',
      AZURE_AUTHORITY_HOST: entra.url,
    });
    assert.ok(answer.choices[0]?.message.content);
    const [request] = entra.requests.slice(before);
    assert.equal(request?.client_secret, 'env-secret');
  });

  it("uses AKS workload identity: the pod's federated token is the client assertion", async () => {
    const before = entra.requests.length;
    const answer = await callWith({
      AZURE_TENANT_ID: 'tenant-9',
      AZURE_CLIENT_ID: 'app-9',
      AZURE_FEDERATED_TOKEN_FILE: federatedFile,
      AZURE_AUTHORITY_HOST: entra.url,
    });
    assert.ok(answer.choices[0]?.message.content);
    const [request] = entra.requests.slice(before);
    assert.equal(request?.client_assertion, 'k8s-service-account-token');
    assert.equal(
      request?.client_assertion_type,
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
    assert.equal(request?.client_secret, undefined);
  });

  it("uses the VM's managed identity from the instance metadata service", async () => {
    const answer = await callWith({ AZURE_POD_IDENTITY_AUTHORITY_HOST: imds.url });
    assert.ok(answer.choices[0]?.message.content);
    const request = imds.requests.at(-1)!;
    assert.equal(request.headers.metadata, 'true');
    assert.equal(request.query.get('api-version'), '2018-02-01');
    assert.equal(request.query.get('client_id'), null, 'the system-assigned identity');
    // A user-assigned identity is picked by AZURE_CLIENT_ID.
    await callWith({ AZURE_POD_IDENTITY_AUTHORITY_HOST: imds.url, AZURE_CLIENT_ID: 'mi-client-7' });
    assert.equal(imds.requests.at(-1)?.query.get('client_id'), 'mi-client-7');
  });

  it("uses App Service's managed identity endpoint when IDENTITY_ENDPOINT is set", async () => {
    const answer = await callWith({
      IDENTITY_ENDPOINT: `${appService.url}/msi/token`,
      IDENTITY_HEADER: 'app-service-secret',
    });
    assert.ok(answer.choices[0]?.message.content);
    const request = appService.requests.at(-1)!;
    assert.equal(request.path, '/msi/token');
    assert.equal(request.query.get('api-version'), '2019-08-01');
  });

  it('sends the api-key when the deployment has one, and asks no identity endpoint', async () => {
    const before = imds.requests.length;
    const answer = await callWith(
      { AZURE_POD_IDENTITY_AUTHORITY_HOST: imds.url },
      { api_key: 'azure-key' },
    );
    assert.ok(answer.choices[0]?.message.content);
    assert.equal(imds.requests.length, before);
  });

  it('answers 401 saying how to give credentials when no identity endpoint answers', async () => {
    const error = await callWith({ AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://127.0.0.1:9' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
    assert.match(
      error.message,
      /Azure managed identity token request to the instance metadata service failed/,
    );
    assert.match(error.message, /outside Azure, give the deployment api_key/);
  });
});

/**
 * The operator's Model kind end to end: the API server double on the Kubernetes side, a real
 * Tollgate (SQLite) on the gateway side, and an OpenAI simulator as the model's upstream, so a
 * chat through the `openai` SDK shows which credentials the gateway got from the Secret.
 * Create, update, credential rotation, drift, adoption, delete and invalid specs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { KubeApiError, SECRETS, type KubeObject } from '../src/operator/kube/kube-types.js';
import { KIND_TYPES } from '../src/operator/operator.js';
import { redact, updateBody } from '../src/operator/reconcile/model-plan.js';
import { FINALIZER } from '../src/operator/reconcile/resource-lifecycle.js';
import { startOpenAiSimulator } from './simulators/openai-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startOperatorHarness, waitFor, type OperatorHarness } from './helpers/kube-operator.js';

type Json = Record<string, unknown>;
const MODEL = KIND_TYPES.Model;
const b64 = (text: string) => Buffer.from(text).toString('base64');

let opened: OpenedTestStore;
let gateway: TestGateway;
let admin: AdminClient;
let upstream: Simulator;
let h: OperatorHarness;

async function putSecret(name: string, data: Record<string, string>): Promise<void> {
  const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)]));
  if (h.double.get('secrets', 'default', name)) {
    await h.kube.mergePatch(SECRETS, { namespace: 'default', name }, { data: encoded });
    return;
  }
  await h.kube.create(SECRETS, 'default', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name },
    data: encoded,
  });
}

function modelResource(name: string, spec: Json): KubeObject {
  return {
    apiVersion: 'litellm.litellm.ai/v1alpha1',
    kind: 'Model',
    metadata: { name },
    spec: {
      connectionRef: { instanceRef: { name: 'litellm-example', namespace: 'litellm' } },
      modelSecretRef: { secretName: 'openai-creds' },
      ...spec,
    },
  };
}

const get = (name: string) => h.kube.get(MODEL, 'default', name);
const ready = (object: KubeObject | undefined) =>
  ((object?.status?.conditions ?? []) as Json[]).find((c) => c.type === 'Ready');

function waitReady(name: string, reason = 'Ready') {
  return waitFor(`Model ${name} ${reason}`, async () => {
    const object = await get(name);
    return (
      ready(object)?.reason === reason &&
      object?.status?.observedGeneration === object?.metadata.generation &&
      object
    );
  });
}

async function gatewayModels(name: string): Promise<Json[]> {
  const { body } = await admin.get('/model/info');
  return (body as { data: Json[] }).data.filter((m) => m.model_name === name);
}

const params = (m: Json | undefined) => (m?.litellm_params ?? {}) as Json;
const info = (m: Json | undefined) => (m?.model_info ?? {}) as Json;

async function chat(model: string): Promise<string | undefined> {
  const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
  return upstream.requests.at(-1)?.headers.authorization as string | undefined;
}

before(async () => {
  upstream = await startOpenAiSimulator();
  opened = await (await testDatabases())[0]!.open();
  gateway = await startGateway(
    {
      model_list: [{ model_name: 'gpt-4o', litellm_params: { model: 'mock/gpt-4o' } }],
      general_settings: { master_key: MASTER_KEY },
    },
    { store: opened.store },
  );
  admin = adminClient(gateway.url, MASTER_KEY);
  h = await startOperatorHarness(gateway.url);
  await h.kube.create(SECRETS, 'litellm', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'litellm-example-secrets' },
    data: { masterkey: b64(MASTER_KEY) },
  });
  await putSecret('openai-creds', { apiKey: 'sk-upstream-one', apiBase: `${upstream.url}/v1` });
  await putSecret('gateway-admin', { url: gateway.url, masterkey: MASTER_KEY });
});

after(async () => {
  await h.close();
  await gateway.close();
  await opened.close();
  await upstream.close();
});

describe('Model', () => {
  it('adds the model through /model/new with the credentials of modelSecretRef, never showing them', async () => {
    await h.kube.create(
      MODEL,
      'default',
      modelResource('mini', {
        modelName: 'team-mini',
        litellmParams: { model: 'openai/gpt-4o-mini', rpm: 100, inputCostPerToken: '0.000001' },
      }),
    );
    const mini = await waitReady('mini');
    const [inGateway, ...others] = await gatewayModels('team-mini');
    assert.equal(others.length, 0);
    assert.equal(info(inGateway).db_model, true);
    assert.equal(info(inGateway).managed_by, 'litellm-operator');
    assert.equal(info(inGateway).id, mini.status?.modelId);
    assert.equal(params(inGateway).rpm, 100);
    assert.equal(params(inGateway).input_cost_per_token, 0.000001);
    assert.deepEqual(mini.status?.litellmParams, {
      model: 'openai/gpt-4o-mini',
      provider: 'openai',
    });
    assert.equal(mini.status?.adopted, false);
    assert.ok(mini.metadata.finalizers?.includes(FINALIZER));
    assert.equal(
      await chat('team-mini'),
      'Bearer sk-upstream-one',
      'the Secret reached the gateway',
    );
    const events = h.double.list('events', 'default').filter((e) => e.reason === 'Created');
    assert.ok(events.some((e) => (e.involvedObject as Json).name === 'mini'));
    // Only the Secret itself holds the credential: not status, Events, or anything else.
    const everything = JSON.stringify([
      ...h.double.list('events', 'default'),
      ...h.double.list('models', 'default'),
    ]);
    assert.doesNotMatch(everything, /sk-upstream-one/);
  });

  it('updates on a spec change and on a rotated credential, and repairs drift in the gateway', async () => {
    await h.kube.mergePatch(
      MODEL,
      { namespace: 'default', name: 'mini' },
      { spec: { litellmParams: { rpm: 200, inputCostPerToken: null } } },
    );
    await waitFor('rpm 200', async () => params((await gatewayModels('team-mini'))[0]).rpm === 200);
    await waitReady('mini');
    assert.equal(params((await gatewayModels('team-mini'))[0]).input_cost_per_token, undefined);

    const before = (await get('mini'))?.status?.appliedHash;
    await putSecret('openai-creds', { apiKey: 'sk-upstream-two', apiBase: `${upstream.url}/v1` });
    await waitFor(
      'credentials written',
      async () => (await get('mini'))?.status?.appliedHash !== before,
    );
    assert.equal(await chat('team-mini'), 'Bearer sk-upstream-two');

    const id = (await get('mini'))?.status?.modelId;
    const edit = await admin.post('/model/update', {
      model_info: { id },
      litellm_params: { rpm: 1, temperature: 0.1 },
    });
    assert.equal(edit.status, 200);
    await waitFor('drift repaired', async () => {
      const p = params((await gatewayModels('team-mini'))[0]);
      return p.rpm === 200 && p.temperature === undefined;
    });
    assert.equal(await chat('team-mini'), 'Bearer sk-upstream-two', 'credentials kept');

    // Deleted behind the operator's back: added again.
    await admin.post('/model/delete', { id });
    await waitFor('recreated', async () => (await gatewayModels('team-mini')).length === 1);
    assert.equal((await gatewayModels('team-mini')).length, 1);
  });

  it('adopts a model of the same name and model without a duplicate (secretRef connection), and releases it on delete', async () => {
    const made = await admin.post('/model/new', {
      model_name: 'shared',
      litellm_params: { model: 'openai/gpt-4o', api_key: 'sk-other' },
    });
    assert.equal(made.status, 200);
    await h.kube.create(
      MODEL,
      'default',
      modelResource('shared', {
        connectionRef: { secretRef: { secretName: 'gateway-admin' } },
        modelName: 'shared',
        litellmParams: { model: 'openai/gpt-4o', tpm: 5000 },
      }),
    );
    const shared = await waitReady('shared');
    assert.equal(shared.status?.adopted, true);
    assert.equal(shared.status?.modelId, made.body.model_id);
    const models = await gatewayModels('shared');
    assert.equal(models.length, 1);
    assert.equal(params(models[0]).tpm, 5000);
    assert.ok(h.double.list('events', 'default').some((e) => e.reason === 'Adopted'));
    await h.kube.delete(MODEL, 'default', 'shared');
    await waitFor('shared gone', async () => (await get('shared')) === undefined);
    assert.equal((await gatewayModels('shared')).length, 1, 'an adopted model stays');
  });

  it('deletes a model it created when the resource is deleted', async () => {
    await h.kube.delete(MODEL, 'default', 'mini');
    await waitFor('mini gone', async () => (await get('mini')) === undefined);
    assert.deepEqual(await gatewayModels('team-mini'), []);
    assert.ok(h.double.list('events', 'default').some((e) => e.reason === 'Deleted'));
  });

  it('refuses invalid specs: at admission, at reconcile (InvalidSpec), a config model (ConfigError), a missing Secret until it exists', async () => {
    await assert.rejects(
      h.kube.create(
        MODEL,
        'default',
        modelResource('no-model', { modelName: 'x', litellmParams: {} }),
      ),
      (e: unknown) =>
        e instanceof KubeApiError && e.status === 422 && /litellmParams/.test(e.message),
    );
    await h.kube.create(
      MODEL,
      'default',
      modelResource('cheap', {
        modelName: 'cheap',
        litellmParams: { model: 'openai/gpt-4o-mini', inputCostPerToken: 'cheap' },
      }),
    );
    const cheap = await waitReady('cheap', 'InvalidSpec');
    assert.match(String(ready(cheap)?.message), /inputCostPerToken/);

    await h.kube.create(
      MODEL,
      'default',
      modelResource('configured', { modelName: 'gpt-4o', litellmParams: { model: 'mock/gpt-4o' } }),
    );
    const configured = await waitReady('configured', 'ConfigError');
    assert.match(String(ready(configured)?.message), /config file/);

    await h.kube.create(
      MODEL,
      'default',
      modelResource('later', {
        modelName: 'later',
        modelSecretRef: { secretName: 'later-creds' },
        litellmParams: { model: 'openai/gpt-4o-mini' },
      }),
    );
    await waitReady('later', 'SecretError');
    await putSecret('later-creds', { apiKey: 'sk-later', apiBase: `${upstream.url}/v1` });
    await waitReady('later');
    assert.equal((await gatewayModels('later')).length, 1);
    for (const name of ['cheap', 'configured', 'later'])
      await h.kube.delete(MODEL, 'default', name);
    await waitFor('all gone', async () => h.double.list('models', 'default').length === 0);
    assert.equal((await gatewayModels('gpt-4o')).length, 1, 'the config model is untouched');
    assert.deepEqual(await gatewayModels('later'), []);
  });

  it('puts the whole spec back on update and redacts credentials from messages', () => {
    const body = updateBody(
      { modelName: 'm', litellmParams: { model: 'openai/x' }, modelInfo: {} },
      { api_key: 'sk-secret-value' },
      { model_info: { id: 'abc' }, litellm_params: { model: 'openai/x', rpm: 3 } },
    );
    assert.deepEqual(body, {
      model_name: 'm',
      litellm_params: { model: 'openai/x', api_key: 'sk-secret-value', rpm: null },
      model_info: { id: 'abc' },
    });
    assert.equal(
      redact('refused sk-secret-value for x', { api_key: 'sk-secret-value' }),
      'refused [redacted] for x',
    );
  });
});

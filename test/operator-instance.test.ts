/**
 * The operator's LiteLLMInstance kind on the API server double: the gateway it deploys (master key
 * Secret, ConfigMap, Deployment, Service, Ingress, all owned by the instance), drift put back, the
 * master key generated once or rotated, and the Ready / Progressing / Degraded report from calling
 * the gateway as resources naming the instance do. No kubelet runs, so no pod ever starts: the
 * instance URL leads to a real Tollgate started by the test, and the test plays the Deployment
 * controller where availability matters.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadConfigText } from '../src/config/load-config.js';
import {
  DEPLOYMENTS,
  SECRETS,
  SERVICES,
  type KubeObject,
} from '../src/operator/kube/kube-types.js';
import { KIND_TYPES } from '../src/operator/operator.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startOperatorHarness, waitFor, type OperatorHarness } from './helpers/kube-operator.js';

type Json = Record<string, unknown>;
const INSTANCE = KIND_TYPES.LiteLLMInstance;
const b64 = (text: string) => Buffer.from(text).toString('base64');
const unb64 = (text: unknown) => Buffer.from(String(text ?? ''), 'base64').toString('utf8');

let opened: OpenedTestStore;
let gateway: TestGateway | undefined;
let h: OperatorHarness;

const get = (name: string) => h.kube.get(INSTANCE, 'default', name);
const condition = (object: KubeObject | undefined, type: string) =>
  ((object?.status?.conditions ?? []) as Json[]).find((c) => c.type === type);

function waitReason(name: string, reason: string) {
  return waitFor(`LiteLLMInstance ${name} ${reason}`, async () => {
    const object = await get(name);
    return (
      condition(object, 'Ready')?.reason === reason &&
      object?.status?.observedGeneration === object?.metadata.generation &&
      object
    );
  });
}

function instance(name: string, spec: Json): KubeObject {
  return {
    apiVersion: 'litellm.litellm.ai/v1alpha1',
    kind: 'LiteLLMInstance',
    metadata: { name },
    spec,
  };
}

const child = (plural: string, name: string) => h.double.get(plural, 'default', name);
const container = (d: Json | undefined) =>
  ((((d?.spec as Json).template as Json).spec as Json).containers as Json[])[0]!;
const rollout = (d: Json | undefined) =>
  (((d?.spec as Json).template as Json).metadata as { annotations: Json }).annotations[
    'litellm.litellm.ai/config-hash'
  ];

before(async () => {
  opened = await (await testDatabases())[0]!.open();
  gateway = await startGateway(
    { model_list: [], general_settings: { master_key: MASTER_KEY } },
    { store: opened.store },
  );
  // Every instance's URL leads to this gateway.
  h = await startOperatorHarness(gateway.url);
});

after(async () => {
  await h.close();
  await gateway?.close();
  await opened.close();
});

describe('LiteLLMInstance', () => {
  it('deploys the gateway: Secret, ConfigMap, Deployment, Service and Ingress owned by the instance, credentials only by reference', async () => {
    await h.kube.create(
      INSTANCE,
      'default',
      instance('edge', {
        masterKey: MASTER_KEY,
        replicas: 2,
        databaseSecretRef: {
          nameRef: 'pg',
          keys: {
            hostSecret: 'host',
            usernameSecret: 'user',
            passwordSecret: 'pw',
            dbnameSecret: 'db',
          },
        },
        redisSecretRef: {
          nameRef: 'redis',
          keys: { hostSecret: 'host', portSecret: 'port', passwordSecret: 'pw' },
        },
        ingress: { enabled: true, host: 'llm.example.com' },
        models: [
          {
            modelName: 'gpt-4o-mini',
            identifier: 'mini',
            requiresAuth: true,
            modelCredentials: { nameRef: 'openai-creds', keys: { apiKey: 'key' } },
            liteLLMParams: { model: 'openai/gpt-4o-mini', rpm: 10 },
          },
        ],
        extraEnvVars: [{ name: 'LOG_LEVEL', value: 'debug' }],
      }),
    );
    const edge = await waitReason('edge', 'Ready');
    assert.equal(
      edge.spec?.image,
      'ghcr.io/berriai/litellm-database:main-v1.74.9.rc.1',
      'CRD default',
    );
    assert.equal(edge.status?.url, gateway!.url);
    for (const flag of [
      'secretCreated',
      'configMapCreated',
      'deploymentCreated',
      'serviceCreated',
      'ingressCreated',
    ]) {
      assert.equal(edge.status?.[flag], true, flag);
    }
    const children = [
      child('secrets', 'edge-secrets'),
      child('configmaps', 'edge-config'),
      child('deployments', 'edge-deployment'),
      child('services', 'edge-service'),
      child('ingresses', 'edge-ingress'),
    ];
    for (const c of children) {
      assert.deepEqual(
        (c?.metadata.ownerReferences as Json[] | undefined)?.map((r) => [
          r.kind,
          r.uid,
          r.controller,
        ]),
        [['LiteLLMInstance', edge.metadata.uid, true]],
      );
    }
    const [secret, config, deployment, svc, ing] = children;
    assert.equal(unb64((secret?.data as Json).masterkey), MASTER_KEY);
    const text = String((config?.data as Json)['config.yaml']);
    assert.doesNotMatch(text, new RegExp(MASTER_KEY));
    const parsed = parse(text) as Json;
    assert.deepEqual((parsed.model_list as Json[])[0], {
      model_name: 'gpt-4o-mini',
      litellm_params: {
        model: 'openai/gpt-4o-mini',
        rpm: 10,
        api_key: 'os.environ/MODEL_MINI_API_KEY',
      },
      model_info: { id: 'edge-mini' },
    });
    // The ConfigMap is a config Tollgate starts from, given the environment the pod gets.
    const loaded = loadConfigText(text, {
      env: {
        LITELLM_MASTER_KEY: 'sk-x',
        MODEL_MINI_API_KEY: 'sk-y',
        REDIS_HOST: 'r',
        REDIS_PORT: '6379',
        REDIS_PASSWORD: 'p',
      },
    });
    assert.deepEqual(
      loaded.deployments.map((d) => [d.modelName, d.apiKey, d.rpm]),
      [['gpt-4o-mini', 'sk-y', 10]],
    );
    const c = container(deployment);
    const env = c.env as Json[];
    const byName = (n: string) => env.find((e) => e.name === n);
    assert.deepEqual(byName('LITELLM_MASTER_KEY')?.valueFrom, {
      secretKeyRef: { name: 'edge-secrets', key: 'masterkey' },
    });
    assert.deepEqual(byName('MODEL_MINI_API_KEY')?.valueFrom, {
      secretKeyRef: { name: 'openai-creds', key: 'key' },
    });
    assert.deepEqual(byName('DATABASE_PASSWORD')?.valueFrom, {
      secretKeyRef: { name: 'pg', key: 'pw' },
    });
    assert.match(String(byName('DATABASE_URL')?.value), /^postgresql:\/\/\$\(DATABASE_USERNAME\)/);
    assert.deepEqual(byName('REDIS_PORT')?.valueFrom, {
      secretKeyRef: { name: 'redis', key: 'port' },
    });
    assert.equal(byName('LOG_LEVEL')?.value, 'debug');
    assert.equal((deployment?.spec as Json).replicas, 2);
    assert.deepEqual(c.ports, [{ name: 'http', containerPort: 4000 }]);
    assert.equal(((c.readinessProbe as Json).httpGet as Json).path, '/health/readiness');
    assert.deepEqual((svc?.spec as Json).ports, [{ name: 'http', port: 80, targetPort: 'http' }]);
    assert.equal(((ing?.spec as Json).rules as Json[])[0]?.host, 'llm.example.com');
  });

  it('is what connectionRef.instanceRef names: a Model on the instance reaches its gateway', async () => {
    await h.kube.create(SECRETS, 'default', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds' },
      data: { apiKey: b64('sk-upstream') },
    });
    await h.kube.create(KIND_TYPES.Model, 'default', {
      apiVersion: 'litellm.litellm.ai/v1alpha1',
      kind: 'Model',
      metadata: { name: 'on-edge' },
      spec: {
        connectionRef: { instanceRef: { name: 'edge' } },
        modelName: 'on-edge',
        litellmParams: { model: 'openai/gpt-4o' },
        modelSecretRef: { secretName: 'creds' },
      },
    });
    await waitFor('model ready', async () => {
      const model = await h.kube.get(KIND_TYPES.Model, 'default', 'on-edge');
      return condition(model, 'Ready')?.reason === 'Ready';
    });
  });

  it('puts back changed or deleted children and rolls the pods when the master key rotates', async () => {
    await h.kube.delete(SERVICES, 'default', 'edge-service');
    await h.kube.mergePatch(
      DEPLOYMENTS,
      { namespace: 'default', name: 'edge-deployment' },
      { spec: { replicas: 5 } },
    );
    await waitFor('service back', () => child('services', 'edge-service'));
    await waitFor(
      'replicas back',
      () => (child('deployments', 'edge-deployment')?.spec as Json).replicas === 2,
    );

    const before = rollout(child('deployments', 'edge-deployment'));
    await h.kube.mergePatch(
      INSTANCE,
      { namespace: 'default', name: 'edge' },
      { spec: { masterKey: 'sk-rotated' } },
    );
    const refused = await waitReason('edge', 'Unauthorized');
    assert.equal(condition(refused, 'Degraded')?.status, 'True');
    assert.equal(unb64((child('secrets', 'edge-secrets')?.data as Json).masterkey), 'sk-rotated');
    assert.notEqual(
      rollout(child('deployments', 'edge-deployment')),
      before,
      'pods restart with the new key',
    );
    await h.kube.mergePatch(
      INSTANCE,
      { namespace: 'default', name: 'edge' },
      { spec: { masterKey: MASTER_KEY } },
    );
    await waitReason('edge', 'Ready');
  });

  it('generates a master key once when the spec has none, and keeps it', async () => {
    await h.kube.create(INSTANCE, 'default', instance('gen', {}));
    await waitReason('gen', 'Unauthorized');
    const key = unb64((child('secrets', 'gen-secrets')?.data as Json).masterkey);
    assert.match(key, /^sk-[0-9a-f-]{36}$/);
    await h.kube.mergePatch(
      INSTANCE,
      { namespace: 'default', name: 'gen' },
      { spec: { replicas: 3 } },
    );
    await waitFor(
      'replicas 3',
      () => (child('deployments', 'gen-deployment')?.spec as Json).replicas === 3,
    );
    await waitReason('gen', 'Unauthorized');
    assert.equal(unb64((child('secrets', 'gen-secrets')?.data as Json).masterkey), key);
  });

  it('refuses a spec it cannot deploy (InvalidSpec) and deletes its children with the instance', async () => {
    await h.kube.create(
      INSTANCE,
      'default',
      instance('twice', {
        models: [
          { modelName: 'a', identifier: 'x', liteLLMParams: { model: 'openai/a' } },
          { modelName: 'b', identifier: 'x', liteLLMParams: {} },
        ],
      }),
    );
    const twice = await waitReason('twice', 'InvalidSpec');
    assert.match(String(condition(twice, 'Ready')?.message), /identifier: x is used twice/);
    assert.match(String(condition(twice, 'Ready')?.message), /models\[1\].*litellmParams\.model/);
    assert.equal(child('deployments', 'twice-deployment'), undefined);
    for (const name of ['twice', 'gen']) await h.kube.delete(INSTANCE, 'default', name);
    await waitFor('children collected', () => child('deployments', 'gen-deployment') === undefined);
    assert.equal(child('secrets', 'gen-secrets'), undefined);
  });

  it('reports Deploying while the Deployment is not available, ConnectionError once it is and the gateway still does not answer', async () => {
    await gateway!.close();
    gateway = undefined;
    const waiting = await waitReason('edge', 'Deploying');
    assert.equal(condition(waiting, 'Progressing')?.status, 'True');
    assert.equal(condition(waiting, 'Degraded')?.status, 'False');
    // The Deployment controller's part: the pods are available, yet nothing answers.
    await h.kube.mergePatch(
      DEPLOYMENTS,
      { namespace: 'default', name: 'edge-deployment', subresource: 'status' },
      { status: { availableReplicas: 2 } },
    );
    const down = await waitReason('edge', 'ConnectionError');
    assert.equal(condition(down, 'Degraded')?.status, 'True');
  });
});

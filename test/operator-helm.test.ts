/**
 * The Helm charts rendered (by the test renderer: helm is not installable here) with their
 * defaults and with every option on, each manifest validated against the Kubernetes schemas with
 * kubernetes-models; plus the contract with the operator: <release>-service and
 * <release>-secrets/masterkey, probes, and RBAC covering every kind the operator touches.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KIND_DEFINITIONS } from '../src/operator/crds/crds.js';
import { renderChart } from './helpers/kube-helm-render.js';

type Json = Record<string, unknown>;

async function validateAll(manifests: Json[]): Promise<void> {
  for (const manifest of manifests) {
    const apiVersion = String(manifest.apiVersion);
    const module = (await import(`kubernetes-models/${apiVersion}`)) as Record<
      string,
      new (o: unknown) => { validate(): void }
    >;
    const Model = module[String(manifest.kind)];
    assert.ok(Model, `kubernetes-models has no ${apiVersion} ${String(manifest.kind)}`);
    assert.doesNotThrow(
      () => new Model(manifest).validate(),
      `${String(manifest.kind)} ${String((manifest.metadata as Json).name)}`,
    );
  }
}

const byKind = (manifests: Json[], kind: string) => manifests.filter((m) => m.kind === kind);
const container = (deployment: Json) =>
  ((((deployment.spec as Json).template as Json).spec as Json).containers as Json[])[0]!;

describe('gateway chart', () => {
  it('renders valid manifests with its defaults plus a master key', async () => {
    const manifests = renderChart('deploy/helm/tollgate', {
      releaseName: 'litellm-example',
      namespace: 'litellm',
      values: { masterKey: 'sk-1234' },
    });
    await validateAll(manifests);
    assert.deepEqual(manifests.map((m) => m.kind).sort(), [
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Secret',
      'Service',
    ]);
    // The names an operator instanceRef {name: litellm-example} resolves to.
    assert.equal(
      (byKind(manifests, 'Service')[0]!.metadata as Json).name,
      'litellm-example-service',
    );
    const secret = byKind(manifests, 'Secret')[0]!;
    assert.equal((secret.metadata as Json).name, 'litellm-example-secrets');
    assert.equal(
      Buffer.from(String((secret.data as Json).masterkey), 'base64').toString(),
      'sk-1234',
    );
    const main = container(byKind(manifests, 'Deployment')[0]!);
    assert.equal(((main.livenessProbe as Json).httpGet as Json).path, '/health/liveliness');
    assert.equal(((main.readinessProbe as Json).httpGet as Json).path, '/health/readiness');
    const config = (byKind(manifests, 'ConfigMap')[0]!.data as Json)['config.yaml'];
    assert.match(String(config), /^model_list:\n/);
  });

  it('renders PostgreSQL and Redis from Secrets, an admin Service, and no chart Secret with existingSecret', async () => {
    const manifests = renderChart('deploy/helm/tollgate', {
      releaseName: 'gw',
      namespace: 'llm',
      values: {
        existingSecret: 'mine',
        database: { urlSecret: 'pg' },
        redis: { urlSecret: 'redis' },
        admin: { enabled: true },
        autoscaling: { enabled: false },
      },
    });
    await validateAll(manifests);
    assert.equal(byKind(manifests, 'Secret').length, 0);
    assert.equal(byKind(manifests, 'HorizontalPodAutoscaler').length, 0);
    assert.deepEqual(
      byKind(manifests, 'Service').map((s) => (s.metadata as Json).name),
      ['gw-admin', 'gw-service'],
    );
    const env = container(byKind(manifests, 'Deployment')[0]!).env as Json[];
    assert.deepEqual(
      env.map((e) => e.name),
      ['LITELLM_MASTER_KEY', 'TOLLGATE_ADMIN_PORT', 'DATABASE_URL', 'REDIS_URL'],
    );
    const masterKey = (env[0]!.valueFrom as Json).secretKeyRef as Json;
    assert.deepEqual(masterKey, { name: 'mine', key: 'masterkey' });
    const probe = (container(byKind(manifests, 'Deployment')[0]!).readinessProbe as Json)
      .httpGet as Json;
    assert.equal(probe.port, 'admin');
  });

  it('refuses to render without a master key or an existing Secret', () => {
    assert.throws(
      () => renderChart('deploy/helm/tollgate', { releaseName: 'gw', namespace: 'llm' }),
      /masterKey or existingSecret is required/,
    );
  });
});

describe('operator chart', () => {
  it('renders valid manifests whose RBAC covers every kind, status and finalizers, Secrets, Events and Leases', async () => {
    const manifests = renderChart('deploy/helm/tollgate-operator', {
      releaseName: 'tollgate-operator',
      namespace: 'ops',
      values: { watchNamespace: 'team-a' },
    });
    await validateAll(manifests);
    const rules = byKind(manifests, 'ClusterRole')[0]!.rules as {
      apiGroups: string[];
      resources: string[];
      verbs: string[];
    }[];
    const allowed = (group: string, resource: string, verb: string) =>
      rules.some(
        (r) =>
          r.apiGroups.includes(group) && r.resources.includes(resource) && r.verbs.includes(verb),
      );
    for (const def of KIND_DEFINITIONS) {
      for (const verb of ['get', 'list', 'watch'])
        assert.ok(allowed(def.group, def.plural, verb), `${verb} ${def.plural}`);
      assert.ok(allowed(def.group, `${def.plural}/status`, 'patch'), `${def.plural}/status`);
    }
    for (const def of KIND_DEFINITIONS) {
      assert.ok(
        allowed(def.group, def.plural, 'patch') &&
          allowed(def.group, `${def.plural}/finalizers`, 'update'),
        def.plural,
      );
    }
    assert.ok(
      allowed('', 'secrets', 'create') &&
        allowed('', 'secrets', 'patch') &&
        allowed('', 'events', 'create'),
    );
    assert.ok(allowed('coordination.k8s.io', 'leases', 'update'));
    // What a LiteLLMInstance deploys.
    for (const [group, resource] of [
      ['', 'configmaps'],
      ['', 'services'],
      ['apps', 'deployments'],
      ['networking.k8s.io', 'ingresses'],
    ] as const) {
      for (const verb of ['get', 'create', 'patch'])
        assert.ok(allowed(group, resource, verb), `${verb} ${resource}`);
    }
    const main = container(byKind(manifests, 'Deployment')[0]!);
    assert.deepEqual((main.args as string[]).slice(0, 1), ['operator']);
    assert.ok(
      (main.env as Json[]).some((e) => e.name === 'WATCH_NAMESPACE' && e.value === 'team-a'),
    );
  });
});

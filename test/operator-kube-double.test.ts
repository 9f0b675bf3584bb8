/**
 * The Kubernetes API double checked on its own: the behaviours the operator relies on through
 * the operator's client, and the same server driven by a real client, kubectl (create, get,
 * merge patch, the CRDs' immutability rule, delete), so the double answers as clients expect.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { KubeClient } from '../src/operator/kube/kube-client.js';
import { KubeApiError, type KubeObject } from '../src/operator/kube/kube-types.js';
import { AUTH_TYPES } from '../src/operator/operator.js';
import { KubeApiDouble } from './helpers/kube-api-double.js';

const USERS = AUTH_TYPES.User;
const run = promisify(execFile);
let double: KubeApiDouble;
let kube: KubeClient;

const user = (name: string, email: string): KubeObject => ({
  apiVersion: 'auth.litellm.ai/v1alpha1',
  kind: 'User',
  metadata: { name },
  spec: { userEmail: email, connectionRef: { instanceRef: { name: 'gw' } } },
});

const status = (code: number) => (e: unknown) => e instanceof KubeApiError && e.status === code;

before(async () => {
  double = await KubeApiDouble.start();
  kube = new KubeClient({ url: double.url });
});
after(() => double.close());

describe('Kubernetes API double', () => {
  it('refuses a stale resourceVersion with 409 and bumps generation only for spec changes', async () => {
    const created = await kube.create(USERS, 'default', user('u1', 'u1@example.com'));
    assert.equal(created.metadata.generation, 1);
    const stale = created.metadata.resourceVersion;
    const labelled = await kube.mergePatch(
      USERS,
      { namespace: 'default', name: 'u1' },
      { metadata: { labels: { a: 'b' } } },
    );
    assert.equal(labelled.metadata.generation, 1);
    await assert.rejects(
      kube.mergePatch(
        USERS,
        { namespace: 'default', name: 'u1' },
        { metadata: { resourceVersion: stale }, spec: { userAlias: 'x' } },
      ),
      status(409),
    );
    const edited = await kube.mergePatch(
      USERS,
      { namespace: 'default', name: 'u1' },
      { spec: { userAlias: 'x' } },
    );
    assert.equal(edited.metadata.generation, 2);
    await assert.rejects(kube.create(USERS, 'default', user('u1', 'u1@example.com')), status(409));
  });

  it('keeps status apart: the main endpoint ignores it, /status changes nothing else', async () => {
    await kube.mergePatch(
      USERS,
      { namespace: 'default', name: 'u1' },
      { status: { spend: '1.00' } },
    );
    assert.equal((await kube.get(USERS, 'default', 'u1'))?.status, undefined);
    const written = await kube.mergePatch(
      USERS,
      { namespace: 'default', name: 'u1', subresource: 'status' },
      { status: { spend: '2.00' }, spec: { userAlias: 'ignored' } },
    );
    assert.equal(written.status?.spend, '2.00');
    assert.equal(written.spec?.userAlias, 'x');
    assert.equal(written.metadata.generation, 2);
  });

  it('deletes through finalizers and refuses new finalizers once deleting', async () => {
    await kube.mergePatch(
      USERS,
      { namespace: 'default', name: 'u1' },
      { metadata: { finalizers: ['f/one'] } },
    );
    await kube.delete(USERS, 'default', 'u1');
    const deleting = await kube.get(USERS, 'default', 'u1');
    assert.ok(deleting?.metadata.deletionTimestamp);
    await assert.rejects(
      kube.mergePatch(
        USERS,
        { namespace: 'default', name: 'u1' },
        { metadata: { finalizers: ['f/one', 'f/two'] } },
      ),
      status(422),
    );
    await kube.mergePatch(
      USERS,
      { namespace: 'default', name: 'u1' },
      { metadata: { finalizers: null } },
    );
    assert.equal(await kube.get(USERS, 'default', 'u1'), undefined);
  });

  it('answers 415 to strategic merge patches on custom resources', async () => {
    await kube.create(USERS, 'default', user('u2', 'u2@example.com'));
    const response = await fetch(
      `${double.url}/apis/auth.litellm.ai/v1alpha1/namespaces/default/users/u2`,
      {
        method: 'PATCH',
        headers: { 'content-type': 'application/strategic-merge-patch+json' },
        body: '{}',
      },
    );
    assert.equal(response.status, 415);
  });

  it('replays a watch from a resourceVersion and answers 410 Gone once compacted', async () => {
    const { resourceVersion } = await kube.list(USERS, 'default');
    await kube.mergePatch(
      USERS,
      { namespace: 'default', name: 'u2' },
      { spec: { userAlias: 'y' } },
    );
    const controller = new AbortController();
    const events = kube.watch(USERS, {
      namespace: 'default',
      resourceVersion,
      timeoutSeconds: 5,
      signal: controller.signal,
    });
    const first = await events.next();
    assert.equal(first.value?.type, 'MODIFIED');
    assert.equal(first.value?.object.spec?.userAlias, 'y');
    controller.abort();
    double.compact();
    const old = kube.watch(USERS, {
      namespace: 'default',
      resourceVersion,
      timeoutSeconds: 5,
      signal: new AbortController().signal,
    });
    await assert.rejects(old.next(), status(410));
  });

  it('serves kubectl: create, get, merge patch, the immutable email, delete', async () => {
    const kubectl = async (...args: string[]) => {
      const options = { env: { ...process.env, KUBECONFIG: '/dev/null' } };
      const common = ['--server', double.url, '--token', 'test', '--request-timeout=10s'];
      return (await run('kubectl', [...common, ...args], options)).stdout;
    };
    assert.match(
      await kubectl('create', '--validate=false', '-f', 'deploy/examples/users.yaml'),
      /user.auth.litellm.ai\/alice created/,
    );
    const emails = await kubectl(
      'get',
      'users.auth.litellm.ai',
      '-o',
      'jsonpath={.items[*].spec.userEmail}',
    );
    assert.match(emails, /alice@example.com/);
    await kubectl('patch', 'user', 'alice', '--type', 'merge', '-p', '{"spec":{"maxBudget":"11"}}');
    assert.equal(
      await kubectl(
        'get',
        'user',
        'alice',
        '-o',
        'jsonpath={.metadata.generation} {.spec.maxBudget}',
      ),
      '2 11',
    );
    await assert.rejects(
      kubectl(
        'patch',
        'user',
        'alice',
        '--type',
        'merge',
        '-p',
        '{"spec":{"userEmail":"x@example.com"}}',
      ),
      (e: { stderr?: string }) => /UserEmail is immutable/.test(e.stderr ?? ''),
    );
    await kubectl('delete', 'user', 'alice', '--wait=false');
    assert.equal(double.get('users', 'default', 'alice'), undefined);
  });
});

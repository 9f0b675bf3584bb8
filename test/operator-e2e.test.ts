/**
 * The operator end to end: the Kubernetes side is the API server double, the gateway is a real
 * Tollgate (SQLite). Every kind — create, update, drift, adoption, delete, invalid spec — and the
 * gateway unreachable, the master key rotated, leader election and watches that lose history.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { KubeApiError, SECRETS, type KubeObject } from '../src/operator/kube/kube-types.js';
import { AUTH_TYPES } from '../src/operator/operator.js';
import { FINALIZER } from '../src/operator/reconcile/auth-reconciler.js';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startOperatorHarness, waitFor, type OperatorHarness } from './helpers/kube-operator.js';

const CONFIG = {
  model_list: [{ model_name: 'gpt-4o', litellm_params: { model: 'mock/gpt-4o' } }],
  general_settings: { master_key: MASTER_KEY },
};
type Json = Record<string, unknown>;
type Kind = keyof typeof AUTH_TYPES;

const [alice] = parseAllDocuments(readFileSync('deploy/examples/users.yaml', 'utf8')).map(
  (d) => d.toJS() as KubeObject,
);
const b64 = (text: string) => Buffer.from(text).toString('base64');
const unb64 = (text: string | undefined) => Buffer.from(text ?? '', 'base64').toString('utf8');

let opened: OpenedTestStore;
let gateway: TestGateway;
let admin: AdminClient;
let h: OperatorHarness;

async function create(object: KubeObject, namespace = 'default'): Promise<KubeObject> {
  const kind = object.kind as Kind;
  return h.kube.create(AUTH_TYPES[kind], namespace, object);
}

const get = (kind: Kind, name: string, namespace = 'default') =>
  h.kube.get(AUTH_TYPES[kind], namespace, name);

function condition(object: KubeObject | undefined, type: string): Json | undefined {
  return ((object?.status?.conditions ?? []) as Json[]).find((c) => c.type === type);
}

/** Waits until the resource's Ready condition has this status and reason, for its current generation. */
function waitReady(kind: Kind, name: string, reason = 'Ready', namespace = 'default') {
  return waitFor(`${kind} ${name} ${reason}`, async () => {
    const object = await get(kind, name, namespace);
    const ready = condition(object, 'Ready');
    return (
      ready?.reason === reason &&
      object?.status?.observedGeneration === object?.metadata.generation &&
      object
    );
  });
}

async function patchSpec(kind: Kind, name: string, spec: Json): Promise<void> {
  await h.kube.mergePatch(AUTH_TYPES[kind], { namespace: 'default', name }, { spec });
}

async function gatewayUser(email: string): Promise<Json | undefined> {
  const { body } = await admin.get(`/user/list?user_email=${encodeURIComponent(email)}`);
  return ((body as { users: Json[] }).users ?? []).find((u) => u.user_email === email);
}

async function gatewayTeams(alias: string): Promise<Json[]> {
  const { body } = await admin.get('/team/list');
  return (body as Json[]).filter((t) => t.team_alias === alias);
}

async function gatewayKey(alias: string): Promise<Json | undefined> {
  const { body } = await admin.get('/key/list?return_full_object=true&size=100');
  return ((body as { keys: Json[] }).keys ?? []).find((k) => k.key_alias === alias);
}

const secretRefConnection = {
  secretRef: { name: 'gateway-admin', keys: { masterKey: 'masterKey', url: 'url' } },
};

function resource(kind: Kind, name: string, spec: Json): KubeObject {
  return {
    apiVersion: AUTH_TYPES[kind].group + '/v1alpha1',
    kind,
    metadata: { name },
    spec: { connectionRef: secretRefConnection, ...spec },
  };
}

async function setAdminSecret(data: { url: string; masterKey: string }): Promise<void> {
  const body = { data: { url: b64(data.url), masterKey: b64(data.masterKey) } };
  try {
    await h.kube.create(SECRETS, 'default', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'gateway-admin' },
      ...body,
    });
  } catch {
    await h.kube.mergePatch(SECRETS, { namespace: 'default', name: 'gateway-admin' }, body);
  }
}

before(async () => {
  opened = await (await testDatabases())[0]!.open();
  gateway = await startGateway(CONFIG, { store: opened.store });
  admin = adminClient(gateway.url, MASTER_KEY);
  // instanceRef resources reach this gateway; its master key is in <instance>-secrets.
  h = await startOperatorHarness(gateway.url);
  await h.kube.create(SECRETS, 'litellm', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'litellm-example-secrets' },
    data: { masterkey: b64(`${MASTER_KEY}\n`) },
  });
  await setAdminSecret({ url: gateway.url, masterKey: MASTER_KEY });
});

after(async () => {
  await h.close();
  await gateway.close();
  await opened.close();
});

describe('User', () => {
  it("creates the guide's User example, with its key in <instance>-key-<keyAlias> owned by the User", async () => {
    await create(alice!);
    const user = await waitReady('User', 'alice');
    const inGateway = await gatewayUser('alice@example.com');
    assert.equal(inGateway?.max_budget, 10);
    assert.deepEqual(inGateway?.models, ['gpt-4o']);
    assert.equal(inGateway?.user_role, 'internal_user_viewer');
    assert.equal(user.status?.userID, inGateway?.user_id);
    assert.equal(user.status?.keySecretRef, 'litellm-example-key-alice-key');
    assert.equal(user.status?.adopted, false);
    assert.ok(user.metadata.finalizers?.includes(FINALIZER));
    const secret = await h.kube.get(SECRETS, 'default', 'litellm-example-key-alice-key');
    assert.deepEqual(
      secret?.metadata.ownerReferences?.map((r) => [r.kind, r.uid, r.controller]),
      [['User', user.metadata.uid, true]],
    );
    const key = unb64(secret?.data?.key);
    assert.match(key, /^sk-/);
    assert.equal((await admin.get('/key/info', key)).status, 200, 'the stored key works');
    const events = h.double
      .list('events', 'default')
      .filter((e) => (e.involvedObject as Json).name === 'alice');
    assert.ok(events.some((e) => e.reason === 'Created' && e.type === 'Normal'));
  });

  it('updates the gateway on a spec change and repairs drift, never rewriting the key Secret', async () => {
    const before = h.double.get('secrets', 'default', 'litellm-example-key-alice-key');
    await patchSpec('User', 'alice', { maxBudget: '20', userAlias: 'alice-w' });
    await waitFor(
      'max_budget 20',
      async () => (await gatewayUser('alice@example.com'))?.max_budget === 20,
    );
    const user = await waitReady('User', 'alice');
    assert.equal(user.metadata.generation, 2);
    assert.equal((await gatewayUser('alice@example.com'))?.user_alias, 'alice-w');
    // Someone edits the user in the gateway: the next resync puts the spec back.
    const id = (await gatewayUser('alice@example.com'))?.user_id;
    await admin.post('/user/update', { user_id: id, max_budget: 99, models: [] });
    await waitFor('drift repaired', async () => {
      const u = await gatewayUser('alice@example.com');
      return u?.max_budget === 20 && JSON.stringify(u.models) === '["gpt-4o"]';
    });
    const after = h.double.get('secrets', 'default', 'litellm-example-key-alice-key');
    assert.equal(after?.metadata.resourceVersion, before?.metadata.resourceVersion);
  });

  it('adopts a user that already exists (by email, in any case) without a duplicate, and releases it on delete', async () => {
    await admin.post('/user/new', { user_email: 'bob@example.com', max_budget: 1 });
    await create(resource('User', 'bob', { userEmail: 'Bob@Example.com', maxBudget: '7' }));
    const bob = await waitReady('User', 'bob');
    assert.equal(bob.status?.adopted, true);
    const { body } = await admin.get('/user/list?page_size=100');
    assert.equal(
      (body as { users: Json[] }).users.filter(
        (u) => String(u.user_email).toLowerCase() === 'bob@example.com',
      ).length,
      1,
    );
    assert.equal((await gatewayUser('bob@example.com'))?.max_budget, 7);
    await h.kube.delete(AUTH_TYPES.User, 'default', 'bob');
    await waitFor('bob gone from Kubernetes', async () => (await get('User', 'bob')) === undefined);
    assert.ok(await gatewayUser('bob@example.com'), 'an adopted user stays in the gateway');
  });

  it('refuses an invalid spec at admission, as the API server does', async () => {
    await assert.rejects(
      create(resource('User', 'bad', { userEmail: 'x@example.com', userRole: 'owner' })),
      (e: unknown) => {
        return e instanceof KubeApiError && e.status === 422 && /spec\.userRole/.test(e.message);
      },
    );
  });
});

describe('Team, TeamMemberAssociation, VirtualKey', () => {
  it('creates a team, makes alice a member and generates a key into its Secret', async () => {
    await create(
      resource('Team', 'research', { teamAlias: 'research', models: ['gpt-4o'], maxBudget: '200' }),
    );
    await create(
      resource('TeamMemberAssociation', 'research-alice', {
        teamRef: { name: 'research' },
        userRef: { name: 'alice' },
        role: 'admin',
      }),
    );
    await create(
      resource('VirtualKey', 'bot', { keyAlias: 'research-bot', maxBudget: '25', rpmLimit: 60 }),
    );
    const team = await waitReady('Team', 'research');
    const association = await waitReady('TeamMemberAssociation', 'research-alice');
    const key = await waitReady('VirtualKey', 'bot');
    const [inGateway] = await gatewayTeams('research');
    assert.equal(team.status?.teamID, inGateway?.team_id);
    const members = (inGateway?.members_with_roles as Json[]).map((m) => [m.user_email, m.role]);
    assert.deepEqual(members, [['alice@example.com', 'admin']]);
    assert.equal(association.status?.teamAlias, 'research');
    assert.equal(association.status?.userEmail, 'alice@example.com');
    // A secretRef connection names its Secrets with the prefix `litellm`.
    assert.equal(key.status?.keySecretRef, 'litellm-key-research-bot');
    const secret = unb64(
      (h.double.get('secrets', 'default', 'litellm-key-research-bot')?.data as Json).key as string,
    );
    assert.equal((await admin.get('/key/info', secret)).status, 200);
    assert.equal((await gatewayKey('research-bot'))?.rpm_limit, 60);
  });

  it('updates and repairs drift on every kind', async () => {
    await patchSpec('Team', 'research', { maxBudget: '300' });
    await patchSpec('TeamMemberAssociation', 'research-alice', { role: 'user' });
    await patchSpec('VirtualKey', 'bot', { rpmLimit: 30 });
    await waitFor(
      'team budget',
      async () => (await gatewayTeams('research'))[0]?.max_budget === 300,
    );
    await waitFor(
      'member role',
      async () =>
        ((await gatewayTeams('research'))[0]?.members_with_roles as Json[])[0]?.role === 'user',
    );
    await waitFor('key rpm', async () => (await gatewayKey('research-bot'))?.rpm_limit === 30);
    const teamId = (await gatewayTeams('research'))[0]?.team_id;
    await admin.post('/team/update', { team_id: teamId, max_budget: 1 });
    await admin.post('/key/update', {
      key: (await gatewayKey('research-bot'))?.token,
      rpm_limit: 1,
    });
    await waitFor(
      'team drift repaired',
      async () => (await gatewayTeams('research'))[0]?.max_budget === 300,
    );
    await waitFor(
      'key drift repaired',
      async () => (await gatewayKey('research-bot'))?.rpm_limit === 30,
    );
  });

  it('adopts a team by alias and a key by alias without duplicates; an adopted key has no Secret', async () => {
    await admin.post('/team/new', { team_alias: 'ops' });
    await admin.post('/key/generate', { key_alias: 'ops-bot' });
    await create(resource('Team', 'ops', { teamAlias: 'ops', maxBudget: '5' }));
    await create(resource('VirtualKey', 'ops-bot', { keyAlias: 'ops-bot', maxBudget: '3' }));
    const team = await waitReady('Team', 'ops');
    const key = await waitReady('VirtualKey', 'ops-bot');
    assert.equal(team.status?.adopted, true);
    assert.equal(key.status?.adopted, true);
    assert.equal((await gatewayTeams('ops')).length, 1);
    assert.equal((await gatewayTeams('ops'))[0]?.max_budget, 5);
    assert.equal((await gatewayKey('ops-bot'))?.max_budget, 3);
    assert.equal(h.double.get('secrets', 'default', 'litellm-key-ops-bot'), undefined);
  });

  it('refuses at reconcile what the CRD lets through but the gateway cannot take (InvalidSpec, no retry loop)', async () => {
    await create(
      resource('TeamMemberAssociation', 'broken', {
        teamRef: { name: '' },
        userRef: { name: 'alice' },
        role: 'user',
      }),
    );
    const broken = await waitReady('TeamMemberAssociation', 'broken', 'InvalidSpec');
    assert.equal(condition(broken, 'Degraded')?.status, 'True');
    assert.match(String(condition(broken, 'Ready')?.message), /teamRef\.name/);
  });

  it('deletes through finalizers: the team first, then its association (whose Team is gone), the key with its Secret', async () => {
    await h.kube.delete(AUTH_TYPES.Team, 'default', 'research');
    await waitFor('team gone', async () => (await get('Team', 'research')) === undefined);
    assert.equal((await gatewayTeams('research')).length, 0);
    await h.kube.delete(AUTH_TYPES.TeamMemberAssociation, 'default', 'research-alice');
    await waitFor(
      'association gone',
      async () => (await get('TeamMemberAssociation', 'research-alice')) === undefined,
    );
    await h.kube.delete(AUTH_TYPES.VirtualKey, 'default', 'bot');
    await waitFor('key gone', async () => (await get('VirtualKey', 'bot')) === undefined);
    assert.equal(await gatewayKey('research-bot'), undefined);
    assert.equal(
      h.double.get('secrets', 'default', 'litellm-key-research-bot'),
      undefined,
      'owned Secret collected',
    );
    await h.kube.delete(AUTH_TYPES.TeamMemberAssociation, 'default', 'broken');
    await waitFor(
      'invalid association gone',
      async () => (await get('TeamMemberAssociation', 'broken')) === undefined,
    );
  });
});

describe('connection', () => {
  it('reports the gateway unreachable, retries with backoff, and recovers; a rotated master key is used without a restart', async () => {
    await create(resource('User', 'carol', { userEmail: 'carol@example.com' }));
    await waitReady('User', 'carol');
    // The gateway restarts on another address with a new master key, on the same database.
    await gateway.close();
    gateway = await startGateway(
      { ...CONFIG, general_settings: { master_key: 'sk-rotated-5678' } },
      { store: opened.store },
    );
    admin = adminClient(gateway.url, 'sk-rotated-5678');
    await patchSpec('User', 'carol', { maxBudget: '3' });
    const down = await waitReady('User', 'carol', 'ConnectionError');
    assert.equal(condition(down, 'Degraded')?.status, 'True');
    assert.match(String(condition(down, 'Ready')?.message), /cannot reach the gateway/);
    await setAdminSecret({ url: gateway.url, masterKey: MASTER_KEY });
    await waitReady('User', 'carol', 'Unauthorized');
    await setAdminSecret({ url: gateway.url, masterKey: 'sk-rotated-5678' });
    await waitReady('User', 'carol');
    assert.equal((await gatewayUser('carol@example.com'))?.max_budget, 3);
    const metrics = await h.operator.metrics.registry.getSingleMetricAsString(
      'tollgate_operator_reconcile_total',
    );
    assert.match(metrics, /kind="User",result="ConnectionError"/);
  });
});

describe('watches and leader election', () => {
  it('lists again after 410 Gone and still sees changes', async () => {
    const informer = h.operator.informer('User')!;
    const relists = informer.relists;
    h.double.compact();
    h.double.dropWatches();
    await waitFor('relist', () => informer.relists > relists);
    await patchSpec('User', 'carol', { maxBudget: '4' });
    await waitFor(
      'change after relist',
      async () => (await gatewayUser('carol@example.com'))?.max_budget === 4,
    );
  });

  it('lets one replica act at a time and hands over when the leader stops', async () => {
    const standby = await h.startAnother('replica-b');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(h.operator.isLeader, true);
    assert.equal(standby.isLeader, false);
    assert.equal(standby.informer('User'), undefined, 'a standby does not even watch');
    await h.operator.close();
    await waitFor('standby leads', () => standby.isLeader);
    await create(resource('User', 'dave', { userEmail: 'dave@example.com' }));
    await waitReady('User', 'dave');
    const lease = h.double.get('leases', 'operators', 'tollgate-operator');
    assert.equal((lease?.spec as Json).holderIdentity, 'replica-b');
  });
});

/**
 * The CRDs the operator ships: generated files up to date, valid CustomResourceDefinitions
 * (kubernetes-models), structural schemas, the same spec fields as the reconcile core's schemas,
 * and admission of sample manifests — the user guide's User examples as written, every kind's
 * example, and the refusals (enums, required fields, money strings, immutable email and alias,
 * exactly one connection).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1';
import { parseAllDocuments, parse } from 'yaml';
import { CRD_FOLDERS, renderCrdFiles } from '../src/operator/crds/crds.js';
import {
  TeamMemberAssociationSpec,
  TeamSpec,
  UserSpec,
  VirtualKeySpec,
} from '../src/reconcile/manifest-schema.js';
import { CrdValidator, loadCrds, type CrdVersion } from './helpers/kube-crd-validator.js';

type Json = Record<string, unknown>;
const crds = loadCrds('deploy/crds');
const validator = new CrdValidator();

function crdOf(kind: string): CrdVersion {
  const crd = crds.find((c) => c.kind === kind);
  assert.ok(crd, `no CRD for ${kind}`);
  return crd;
}

function examples(file: string): Json[] {
  return parseAllDocuments(readFileSync(`deploy/examples/${file}`, 'utf8')).map(
    (d) => d.toJS() as Json,
  );
}

function admit(object: Json, old?: Json) {
  return validator.admit(crdOf(String(object.kind)), structuredClone(object), old);
}

function withSpec(object: Json, spec: Json): Json {
  return { ...object, spec: { ...(object.spec as Json), ...spec } };
}

const [alice, adminUser] = examples('users.yaml') as [Json, Json];

describe('CRD files', () => {
  it('are what the definitions generate, in deploy/crds and in the operator chart', async () => {
    for (const folder of CRD_FOLDERS) {
      for (const [name, text] of await renderCrdFiles()) {
        assert.equal(
          readFileSync(`${folder}/${name}`, 'utf8'),
          text,
          `${folder}/${name} is stale: run npm run crds`,
        );
      }
    }
  });

  it('are valid CustomResourceDefinitions with structural schemas', async () => {
    for (const [name, text] of await renderCrdFiles()) {
      const crd = new CustomResourceDefinition(parse(text) as never);
      assert.doesNotThrow(() => crd.validate(), name);
    }
    for (const crd of crds) assertStructural(crd.schema, crd.kind);
  });

  it('declare the spec fields the reconcile core accepts, no more and no fewer', () => {
    const shapes: [string, { shape: object }][] = [
      ['User', UserSpec],
      ['Team', TeamSpec],
      ['TeamMemberAssociation', TeamMemberAssociationSpec],
      ['VirtualKey', VirtualKeySpec],
    ];
    for (const [kind, schema] of shapes) {
      const spec = (crdOf(kind).schema.properties as Json).spec as Json;
      assert.deepEqual(
        Object.keys(spec.properties as Json).sort(),
        Object.keys(schema.shape).sort(),
        kind,
      );
    }
  });

  it('have printer columns whose paths resolve on an object with status', () => {
    const status = {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Ready',
          lastTransitionTime: '2025-01-01T00:00:00Z',
        },
      ],
    };
    const user = { ...alice, status: { ...status, spend: '0.00' } };
    const columns = Object.fromEntries(
      crdOf('User').columns.map((c) => [c.name, jsonPath(user, c.jsonPath)]),
    );
    assert.deepEqual(columns, {
      Ready: 'True',
      Email: 'alice@example.com',
      Role: 'internal_user_viewer',
      Blocked: undefined,
      Budget: '10',
      Spend: '0.00',
      Reason: 'Ready',
      Age: undefined,
    });
  });
});

describe('admission of sample manifests', () => {
  it("accepts the user guide's two User examples as written (legacy role admin included)", () => {
    assert.deepEqual(admit(alice), { errors: [], unknownFields: [] });
    assert.deepEqual(admit(adminUser), { errors: [], unknownFields: [] });
  });

  it('accepts the example of every kind, and applies schema defaults', () => {
    for (const object of [...examples('team-and-keys.yaml'), ...examples('models.yaml')]) {
      assert.deepEqual(admit(object), { errors: [], unknownFields: [] }, String(object.kind));
    }
    const instance = structuredClone(examples('models.yaml')[0]!);
    validator.admit(crdOf('LiteLLMInstance'), instance);
    assert.equal(
      (instance.spec as Json).image,
      'ghcr.io/berriai/litellm-database:main-v1.74.9.rc.1',
    );
  });

  it('refuses a role outside the enum, naming the supported values', () => {
    const { errors } = admit(withSpec(alice, { userRole: 'owner' }));
    assert.equal(errors.length, 1);
    assert.match(
      errors[0]!,
      /^spec\.userRole: Invalid value: .*"proxy_admin", "proxy_admin_viewer"/,
    );
  });

  it('refuses missing required fields', () => {
    const spec = { ...(alice.spec as Json) };
    delete spec.userEmail;
    delete spec.connectionRef;
    assert.deepEqual(admit({ ...alice, spec }).errors.sort(), [
      'spec.connectionRef: Required value',
      'spec.userEmail: Required value',
    ]);
    const association = examples('team-and-keys.yaml')[1]!;
    assert.match(admit(withSpec(association, { role: 'owner' })).errors.join(), /spec\.role/);
  });

  it('refuses a budget that is not a dollar amount', () => {
    assert.match(
      admit(withSpec(alice, { maxBudget: 'ten' })).errors.join(),
      /spec\.maxBudget: Invalid value: must match pattern/,
    );
    assert.match(
      admit(withSpec(alice, { maxBudget: 10 })).errors.join(),
      /spec\.maxBudget: Invalid value: must be string/,
    );
  });

  it('keeps userEmail and teamAlias immutable, and other fields editable', () => {
    assert.deepEqual(admit(withSpec(alice, { userEmail: 'alice2@example.com' }), alice).errors, [
      'spec.userEmail: Invalid value: UserEmail is immutable',
    ]);
    assert.deepEqual(admit(withSpec(alice, { maxBudget: '20' }), alice).errors, []);
    const team = examples('team-and-keys.yaml')[0]!;
    assert.deepEqual(admit(withSpec(team, { teamAlias: 'other' }), team).errors, [
      'spec.teamAlias: Invalid value: TeamAlias is immutable',
    ]);
  });

  it('wants exactly one of instanceRef and secretRef', () => {
    const both = withSpec(alice, {
      connectionRef: {
        instanceRef: { name: 'a' },
        secretRef: { name: 's', keys: { masterKey: 'k', url: 'u' } },
      },
    });
    assert.deepEqual(admit(both).errors, [
      'spec.connectionRef: Invalid value: set exactly one of instanceRef and secretRef',
    ]);
    assert.equal(admit(withSpec(alice, { connectionRef: {} })).errors.length, 1);
  });

  it('finds unknown fields (pruned, as an API server does without strict validation)', () => {
    const object = withSpec(alice, { userEmial: 'typo@example.com' });
    assert.deepEqual(admit(object).unknownFields, ['spec.userEmial']);
  });
});

/** Structural: every node has a type (or preserves unknown fields); no properties next to additionalProperties. */
function assertStructural(schema: Json, where: string): void {
  assert.ok(
    schema.type !== undefined || schema['x-kubernetes-preserve-unknown-fields'] === true,
    `${where}: no type`,
  );
  assert.ok(
    !(schema.properties && schema.additionalProperties),
    `${where}: properties and additionalProperties`,
  );
  for (const [key, child] of Object.entries((schema.properties as Record<string, Json>) ?? {}))
    assertStructural(child, `${where}.${key}`);
  if (schema.items) assertStructural(schema.items as Json, `${where}[]`);
  if (typeof schema.additionalProperties === 'object')
    assertStructural(schema.additionalProperties as Json, `${where}{}`);
}

/** The JSONPath subset printer columns use: `.a.b` and `.list[?(@.field=='value')].c`. */
function jsonPath(object: unknown, path: string): unknown {
  let value: unknown = object;
  for (const part of path.match(/\.[A-Za-z]+|\[\?\(@\.\w+=='[^']*'\)\]/g) ?? []) {
    if (part.startsWith('.')) value = (value as Json | undefined)?.[part.slice(1)];
    else {
      const [, field, wanted] = /@\.(\w+)=='([^']*)'/.exec(part)!;
      value = (value as Json[] | undefined)?.find((item) => item[field!] === wanted);
    }
  }
  return value;
}

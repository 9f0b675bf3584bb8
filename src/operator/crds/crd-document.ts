/**
 * One CustomResourceDefinition (apiextensions.k8s.io/v1) from a kind's spec and status schemas:
 * namespaced, one served version with the status subresource, the shared conditions block and
 * the printer columns.
 */
import { enumOf, int, list, obj, str, type JsonSchema } from './schema-dsl.js';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  priority?: number;
}

export interface KindDefinition {
  group: 'auth.litellm.ai' | 'litellm.litellm.ai';
  kind: string;
  plural: string;
  singular: string;
  description: string;
  spec: JsonSchema;
  /** Status fields besides observedGeneration and conditions. */
  status: Record<string, JsonSchema>;
  columns: readonly PrinterColumn[];
}

export const VERSION = 'v1alpha1';

/** The condition types every kind keeps, and the reasons the operator writes. */
export const CONDITION_TYPES = ['Ready', 'Progressing', 'Degraded'] as const;

const condition = obj(
  {
    type: str('Ready, Progressing or Degraded'),
    status: enumOf(['True', 'False', 'Unknown']),
    reason: str('one CamelCase word: Ready, Reconciling, InvalidSpec, ConnectionError, ...'),
    message: str(),
    lastTransitionTime: str(undefined, { format: 'date-time' }),
    observedGeneration: int(),
  },
  { required: ['type', 'status', 'lastTransitionTime'] },
);

export const readyColumn: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: ".status.conditions[?(@.type=='Ready')].status",
};
export const reasonColumn: PrinterColumn = {
  name: 'Reason',
  type: 'string',
  jsonPath: ".status.conditions[?(@.type=='Ready')].reason",
  priority: 1,
};
const ageColumn: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
};

export function customResourceDefinition(def: KindDefinition): JsonSchema {
  const status = obj({
    ...def.status,
    observedGeneration: int('the metadata.generation the status describes'),
    conditions: {
      ...list(condition),
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    },
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${def.group}` },
    spec: {
      group: def.group,
      scope: 'Namespaced',
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [...def.columns, ageColumn],
          schema: {
            openAPIV3Schema: obj(
              {
                apiVersion: str(),
                kind: str(),
                metadata: { type: 'object' },
                spec: def.spec,
                status,
              },
              { description: def.description, required: ['spec'] },
            ),
          },
        },
      ],
    },
  };
}

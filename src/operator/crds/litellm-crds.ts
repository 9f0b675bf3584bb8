/**
 * The `litellm.litellm.ai/v1alpha1` kinds: LiteLLMInstance (a gateway deployment) and Model (a
 * model added through the admin API), with the LiteLLM operator's fields. Model's ~45 optional
 * `litellmParams` are typed where Tollgate reads them and kept as written otherwise.
 */
import type { KindDefinition } from './crd-document.js';
import { readyColumn, reasonColumn } from './crd-document.js';
import { bool, freeForm, int, list, money, obj, str } from './schema-dsl.js';

const nameRef = (keys: readonly string[]) =>
  obj(
    {
      nameRef: str('the Secret name'),
      keys: obj(Object.fromEntries(keys.map((k) => [k, str(`data key of ${k}`)]))),
    },
    { required: ['nameRef'] },
  );
const exposure = obj({ enabled: bool(), host: str() });

export const litellmInstance: KindDefinition = {
  group: 'litellm.litellm.ai',
  kind: 'LiteLLMInstance',
  plural: 'litellminstances',
  singular: 'litellminstance',
  description:
    'A gateway deployment. Resources name it in connectionRef.instanceRef: the master key is read from the Secret <name>-secrets (data key masterkey), the URL is http://<name>-service.<namespace>.svc.cluster.local.',
  spec: obj({
    image: str(undefined, { default: 'ghcr.io/berriai/litellm-database:main-v1.74.9.rc.1' }),
    replicas: { ...int(), default: 1 },
    masterKey: str('if empty, one is generated once and kept in <name>-secrets'),
    databaseSecretRef: nameRef(['hostSecret', 'passwordSecret', 'usernameSecret', 'dbnameSecret']),
    redisSecretRef: nameRef(['hostSecret', 'portSecret', 'passwordSecret']),
    ingress: exposure,
    gateway: exposure,
    models: list(
      obj(
        {
          modelName: str(),
          requiresAuth: bool(),
          identifier: str(),
          modelCredentials: freeForm(),
          liteLLMParams: freeForm(),
          additionalProperties: freeForm(),
        },
        { required: ['modelName', 'identifier'] },
      ),
    ),
    extraEnvVars: list(freeForm(), 'container environment entries (name, value, valueFrom)'),
  }),
  status: {
    url: str('where resources naming this instance reach its gateway'),
    lastUpdated: str(),
    configMapCreated: bool(),
    secretCreated: bool(),
    deploymentCreated: bool(),
    serviceCreated: bool(),
    ingressCreated: bool(),
  },
  columns: [
    readyColumn,
    { name: 'Image', type: 'string', jsonPath: '.spec.image' },
    { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
    { name: 'Ingress', type: 'boolean', jsonPath: '.spec.ingress.enabled' },
    { name: 'Secret', type: 'boolean', jsonPath: '.status.secretCreated', priority: 1 },
    { name: 'Deployment', type: 'boolean', jsonPath: '.status.deploymentCreated', priority: 1 },
    { name: 'Service', type: 'boolean', jsonPath: '.status.serviceCreated', priority: 1 },
  ],
};

const litellmParams = {
  ...obj(
    {
      model: str('provider/model, e.g. openai/gpt-4o'),
      customLLMProvider: str(),
      apiBase: str(),
      apiVersion: str(),
      organization: str(),
      tpm: int(),
      rpm: int(),
      timeout: int(),
      streamTimeout: int(),
      maxRetries: int(),
      maxBudget: money(),
      budgetDuration: str(),
      inputCostPerToken: str(),
      outputCostPerToken: str(),
      mockResponse: str(),
    },
    { required: ['model'] },
  ),
  'x-kubernetes-preserve-unknown-fields': true,
};

export const model: KindDefinition = {
  group: 'litellm.litellm.ai',
  kind: 'Model',
  plural: 'models',
  singular: 'model',
  description: 'A model deployment added to the gateway through /model/new.',
  spec: obj(
    {
      connectionRef: obj(
        {
          instanceRef: obj({ name: str(), namespace: str() }, { required: ['name'] }),
          secretRef: obj(
            { secretName: str('data keys masterkey and url'), namespace: str() },
            { required: ['secretName'] },
          ),
        },
        {
          rules: [
            {
              rule: 'has(self.instanceRef) != has(self.secretRef)',
              message: 'set exactly one of instanceRef and secretRef',
            },
          ],
        },
      ),
      modelName: str(undefined, { minLength: 1 }),
      litellmParams,
      modelInfo: obj({
        id: str(),
        dbModel: bool(),
        teamId: str(),
        teamPublicModelName: str(),
        mode: str(),
      }),
      modelSecretRef: obj(
        { secretName: str('provider credentials: apiKey, apiBase, ...'), namespace: str() },
        { required: ['secretName'] },
      ),
    },
    { required: ['connectionRef', 'modelName', 'litellmParams', 'modelSecretRef'] },
  ),
  status: {
    lastUpdated: str(),
    modelName: str(),
    modelId: str("the gateway's id of the model"),
    litellmParams: freeForm('provider and model only: never credentials'),
    adopted: bool('the model existed in the gateway before this resource'),
    appliedHash: str('hash of the spec and credentials Secret version last written'),
    gatewayHash: str('hash of what the gateway showed after the last write (drift check)'),
  },
  columns: [
    readyColumn,
    { name: 'Model Name', type: 'string', jsonPath: '.spec.modelName' },
    { name: 'Model', type: 'string', jsonPath: '.spec.litellmParams.model' },
    { name: 'Model ID', type: 'string', jsonPath: '.status.modelId' },
    reasonColumn,
  ],
};

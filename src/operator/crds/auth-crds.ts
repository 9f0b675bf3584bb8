/**
 * The `auth.litellm.ai/v1alpha1` kinds with the LiteLLM operator's spec fields, so existing
 * manifests validate unchanged; the reconcile core's schemas (src/reconcile/manifest-schema.ts)
 * accept the same fields, and a test keeps the two lists equal.
 */
import type { KindDefinition } from './crd-document.js';
import { readyColumn, reasonColumn } from './crd-document.js';
import { bool, enumOf, immutable, int, list, map, money, obj, str } from './schema-dsl.js';

const strings = list(str());
const stringMap = map(str());
const intMap = map(int());

const connectionRef = obj(
  {
    instanceRef: obj(
      {
        name: str('the LiteLLMInstance (or the Tollgate Helm release) to manage'),
        namespace: str("defaults to the resource's namespace"),
      },
      { required: ['name'] },
    ),
    secretRef: obj(
      {
        name: str("a Secret in the resource's namespace"),
        keys: obj(
          {
            masterKey: str('the data key holding the master key'),
            url: str('the data key holding the gateway URL'),
          },
          { required: ['masterKey', 'url'] },
        ),
      },
      { required: ['name', 'keys'] },
    ),
  },
  {
    description: 'which gateway this resource lives in',
    rules: [
      {
        rule: 'has(self.instanceRef) != has(self.secretRef)',
        message: 'set exactly one of instanceRef and secretRef',
      },
    ],
  },
);

const objectRef = obj({ name: str(), namespace: str() }, { required: ['name'] });

/** Legacy `admin` is what the operator's own guide writes; it means proxy_admin. */
export const USER_ROLES = [
  'proxy_admin',
  'proxy_admin_viewer',
  'internal_user',
  'internal_user_viewer',
  'admin',
] as const;

export const user: KindDefinition = {
  group: 'auth.litellm.ai',
  kind: 'User',
  plural: 'users',
  singular: 'user',
  description: 'A user of the gateway, found by email; adopted if it already exists.',
  spec: obj(
    {
      connectionRef,
      userEmail: immutable(str(undefined, { minLength: 1 }), 'UserEmail is immutable'),
      userRole: enumOf(USER_ROLES),
      userAlias: str(),
      userID: str('if empty the gateway generates one'),
      keyAlias: str('alias of the key created with autoCreateKey'),
      autoCreateKey: bool(),
      duration: str('validity of the auto-created key (at creation only)'),
      models: list(str(), 'omitted: all models; []: none'),
      maxBudget: money(),
      softBudget: money(),
      budgetDuration: str(),
      blocked: bool(),
      rpmLimit: int(),
      tpmLimit: int(),
      maxParallelRequests: int(),
      modelMaxBudget: stringMap,
      modelRPMLimit: stringMap,
      modelTPMLimit: stringMap,
      aliases: stringMap,
      permissions: stringMap,
      metadata: stringMap,
      allowedCacheControls: strings,
      guardrails: strings,
      teams: list(str(), 'team IDs'),
      ssoUserID: str(),
      sendInviteEmail: bool(),
      spend: str('accepted for compatibility; not used'),
    },
    { required: ['connectionRef', 'userEmail'] },
  ),
  status: {
    userID: str(),
    userEmail: str(),
    keySecretRef: str('the Secret holding the auto-created key'),
    spend: str(),
    adopted: bool('the user existed in the gateway before this resource'),
  },
  columns: [
    readyColumn,
    { name: 'Email', type: 'string', jsonPath: '.spec.userEmail' },
    { name: 'Role', type: 'string', jsonPath: '.spec.userRole' },
    { name: 'Blocked', type: 'boolean', jsonPath: '.spec.blocked' },
    { name: 'Budget', type: 'string', jsonPath: '.spec.maxBudget' },
    { name: 'Spend', type: 'string', jsonPath: '.status.spend' },
    reasonColumn,
  ],
};

export const team: KindDefinition = {
  group: 'auth.litellm.ai',
  kind: 'Team',
  plural: 'teams',
  singular: 'team',
  description: 'A team of the gateway, found by alias (or teamID); adopted if it already exists.',
  spec: obj(
    {
      connectionRef,
      teamAlias: immutable(str(undefined, { minLength: 1 }), 'TeamAlias is immutable'),
      teamID: str(),
      organizationID: str(),
      models: strings,
      maxBudget: money(),
      budgetDuration: str(),
      rpmLimit: int(),
      tpmLimit: int(),
      blocked: bool(),
      guardrails: strings,
      tags: strings,
      metadata: stringMap,
      modelAliases: stringMap,
      teamMemberPermissions: strings,
    },
    { required: ['connectionRef', 'teamAlias'] },
  ),
  status: {
    teamID: str(),
    teamAlias: str(),
    spend: str(),
    members: int('how many members the team has'),
    adopted: bool(),
  },
  columns: [
    readyColumn,
    { name: 'Alias', type: 'string', jsonPath: '.spec.teamAlias' },
    { name: 'Organisation', type: 'string', jsonPath: '.spec.organizationID' },
    { name: 'Blocked', type: 'boolean', jsonPath: '.spec.blocked' },
    { name: 'Members', type: 'integer', jsonPath: '.status.members' },
    { name: 'Budget', type: 'string', jsonPath: '.spec.maxBudget' },
    { name: 'Spend', type: 'string', jsonPath: '.status.spend' },
    reasonColumn,
  ],
};

export const teamMemberAssociation: KindDefinition = {
  group: 'auth.litellm.ai',
  kind: 'TeamMemberAssociation',
  plural: 'teammemberassociations',
  singular: 'teammemberassociation',
  description: 'A User (resource) as a member of a Team (resource), with a role.',
  spec: obj(
    {
      connectionRef,
      teamRef: objectRef,
      userRef: objectRef,
      role: enumOf(['admin', 'user']),
      maxBudgetInTeam: money(),
    },
    { required: ['connectionRef', 'teamRef', 'userRef', 'role'] },
  ),
  status: {
    teamAlias: str(),
    teamID: str(),
    userEmail: str(),
    userID: str(),
  },
  columns: [
    readyColumn,
    { name: 'Team', type: 'string', jsonPath: '.status.teamAlias' },
    { name: 'User', type: 'string', jsonPath: '.status.userEmail' },
    { name: 'Role', type: 'string', jsonPath: '.spec.role' },
    { name: 'Budget', type: 'string', jsonPath: '.spec.maxBudgetInTeam' },
    reasonColumn,
  ],
};

export const virtualKey: KindDefinition = {
  group: 'auth.litellm.ai',
  kind: 'VirtualKey',
  plural: 'virtualkeys',
  singular: 'virtualkey',
  description: 'A virtual key, found by alias; its secret is kept in <instance>-key-<keyAlias>.',
  spec: obj(
    {
      connectionRef,
      keyAlias: str(undefined, { minLength: 1 }),
      key: str('choose the key value (sk-...)', { pattern: '^sk-' }),
      userID: str(),
      teamID: str(),
      models: strings,
      maxBudget: money(),
      softBudget: money(),
      budgetDuration: str(),
      budgetID: str(),
      duration: str('validity (at creation only: re-sending would renew it)'),
      blocked: bool(),
      rpmLimit: int(),
      tpmLimit: int(),
      maxParallelRequests: int(),
      modelMaxBudget: stringMap,
      modelRPMLimit: intMap,
      modelTPMLimit: intMap,
      aliases: stringMap,
      config: stringMap,
      permissions: stringMap,
      metadata: stringMap,
      allowedCacheControls: strings,
      allowedRoutes: strings,
      enforcedParams: strings,
      guardrails: strings,
      tags: strings,
      sendInviteEmail: bool(),
      spend: str('accepted for compatibility; not used'),
    },
    { required: ['connectionRef', 'keyAlias'] },
  ),
  status: {
    keyAlias: str(),
    keyID: str('the hashed token'),
    keyName: str('the redacted key'),
    keySecretRef: str('the Secret holding the key'),
    userID: str(),
    teamID: str(),
    spend: str(),
    expires: str(),
    adopted: bool(),
  },
  columns: [
    readyColumn,
    { name: 'Key Alias', type: 'string', jsonPath: '.spec.keyAlias' },
    { name: 'Key', type: 'string', jsonPath: '.status.keyName' },
    { name: 'User ID', type: 'string', jsonPath: '.spec.userID' },
    { name: 'Team ID', type: 'string', jsonPath: '.spec.teamID' },
    { name: 'Blocked', type: 'boolean', jsonPath: '.spec.blocked' },
    { name: 'Max Budget', type: 'string', jsonPath: '.spec.maxBudget' },
    { name: 'Spend', type: 'string', jsonPath: '.status.spend' },
    { name: 'Secret', type: 'string', jsonPath: '.status.keySecretRef', priority: 1 },
    { name: 'Expires', type: 'string', jsonPath: '.status.expires', priority: 1 },
    reasonColumn,
  ],
};

/**
 * The `auth.litellm.ai/v1alpha1` resources people already write for the LiteLLM operator (User,
 * Team, TeamMemberAssociation, VirtualKey), as schemas that follow the CRDs: the same required
 * fields and enums, and unknown fields refused as a strict API server would. Money is a string of
 * dollars in the CRDs; a bare YAML number is accepted too.
 */
import { z } from 'zod';

export const API_VERSION = 'auth.litellm.ai/v1alpha1';

const Money = z
  .union([
    z.string().regex(/^\d+(\.\d+)?$/, 'expected dollars, e.g. "10" or "12.50"'),
    z.number().nonnegative(),
  ])
  .transform((v) => Number(v));
const Count = z.number().int().nonnegative();
const StringMap = z.record(z.string(), z.string());
const Names = z.array(z.string());

const ConnectionRef = z.strictObject({
  instanceRef: z
    .strictObject({ name: z.string().min(1), namespace: z.string().optional() })
    .optional(),
  secretRef: z
    .strictObject({
      name: z.string().min(1),
      keys: z.strictObject({ masterKey: z.string().min(1), url: z.string().min(1) }),
    })
    .optional(),
});

const ObjectRef = z.strictObject({ name: z.string().min(1), namespace: z.string().optional() });

const Metadata = z.object({
  name: z.string().min(1),
  namespace: z.string().optional(),
  labels: StringMap.optional(),
  annotations: StringMap.optional(),
});

export const UserSpec = z.strictObject({
  connectionRef: ConnectionRef,
  userEmail: z.string().min(1),
  // The CRD's four roles, and LiteLLM's legacy `admin` that the operator's own guide uses.
  userRole: z
    .enum(['proxy_admin', 'proxy_admin_viewer', 'internal_user', 'internal_user_viewer', 'admin'])
    .transform((role) => (role === 'admin' ? 'proxy_admin' : role))
    .optional(),
  userAlias: z.string().optional(),
  userID: z.string().optional(),
  keyAlias: z.string().optional(),
  autoCreateKey: z.boolean().optional(),
  duration: z.string().optional(),
  models: Names.optional(),
  maxBudget: Money.optional(),
  softBudget: Money.optional(),
  budgetDuration: z.string().optional(),
  blocked: z.boolean().optional(),
  rpmLimit: Count.optional(),
  tpmLimit: Count.optional(),
  maxParallelRequests: Count.optional(),
  modelMaxBudget: StringMap.optional(),
  modelRPMLimit: StringMap.optional(),
  modelTPMLimit: StringMap.optional(),
  aliases: StringMap.optional(),
  permissions: StringMap.optional(),
  metadata: StringMap.optional(),
  allowedCacheControls: Names.optional(),
  guardrails: Names.optional(),
  teams: Names.optional(),
  ssoUserID: z.string().optional(),
  sendInviteEmail: z.boolean().optional(),
  spend: z.string().optional(),
});

export const TeamSpec = z.strictObject({
  connectionRef: ConnectionRef,
  teamAlias: z.string().min(1),
  teamID: z.string().optional(),
  organizationID: z.string().optional(),
  models: Names.optional(),
  maxBudget: Money.optional(),
  budgetDuration: z.string().optional(),
  rpmLimit: Count.optional(),
  tpmLimit: Count.optional(),
  blocked: z.boolean().optional(),
  guardrails: Names.optional(),
  tags: Names.optional(),
  metadata: StringMap.optional(),
  modelAliases: StringMap.optional(),
  teamMemberPermissions: Names.optional(),
});

export const TeamMemberAssociationSpec = z.strictObject({
  connectionRef: ConnectionRef,
  teamRef: ObjectRef,
  userRef: ObjectRef,
  role: z.enum(['admin', 'user']),
  maxBudgetInTeam: Money.optional(),
});

export const VirtualKeySpec = z.strictObject({
  connectionRef: ConnectionRef,
  keyAlias: z.string().min(1),
  key: z.string().startsWith('sk-').optional(),
  userID: z.string().optional(),
  teamID: z.string().optional(),
  models: Names.optional(),
  maxBudget: Money.optional(),
  softBudget: Money.optional(),
  budgetDuration: z.string().optional(),
  budgetID: z.string().optional(),
  duration: z.string().optional(),
  blocked: z.boolean().optional(),
  rpmLimit: Count.optional(),
  tpmLimit: Count.optional(),
  maxParallelRequests: Count.optional(),
  modelMaxBudget: StringMap.optional(),
  modelRPMLimit: z.record(z.string(), Count).optional(),
  modelTPMLimit: z.record(z.string(), Count).optional(),
  aliases: StringMap.optional(),
  config: StringMap.optional(),
  permissions: StringMap.optional(),
  metadata: StringMap.optional(),
  allowedCacheControls: Names.optional(),
  allowedRoutes: Names.optional(),
  enforcedParams: Names.optional(),
  guardrails: Names.optional(),
  tags: Names.optional(),
  sendInviteEmail: z.boolean().optional(),
  spend: z.string().optional(),
});

function resource<Kind extends string, Spec extends z.ZodType>(kind: Kind, spec: Spec) {
  return z.object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal(kind),
    metadata: Metadata,
    spec,
    status: z.unknown().optional(),
  });
}

export const Manifest = z.discriminatedUnion('kind', [
  resource('User', UserSpec),
  resource('Team', TeamSpec),
  resource('TeamMemberAssociation', TeamMemberAssociationSpec),
  resource('VirtualKey', VirtualKeySpec),
]);

export type Manifest = z.infer<typeof Manifest>;
export type ManifestKind = Manifest['kind'];
export type UserManifest = Extract<Manifest, { kind: 'User' }>;
export type TeamManifest = Extract<Manifest, { kind: 'Team' }>;
export type MembershipManifest = Extract<Manifest, { kind: 'TeamMemberAssociation' }>;
export type KeyManifest = Extract<Manifest, { kind: 'VirtualKey' }>;

export const KINDS: readonly ManifestKind[] = [
  'User',
  'Team',
  'TeamMemberAssociation',
  'VirtualKey',
];

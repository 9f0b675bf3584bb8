/**
 * A custom resource → the reconcile core's manifest (the same schema `tollgate apply` uses), and
 * for a TeamMemberAssociation the Team and User manifests it refers to: from their resources, or,
 * when one is gone and the association is being deleted, from what the association's status
 * recorded, so the membership can still be removed.
 */
import type { z } from 'zod';
import type { KubeClient } from '../kube/kube-client.js';
import type { KubeObject, ResourceType } from '../kube/kube-types.js';
import { Manifest, type MembershipManifest } from '../../reconcile/manifest-schema.js';
import { ReconcileError } from '../reconcile-error.js';

export function toManifest(object: KubeObject): Manifest {
  const result = Manifest.safeParse({
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata: { name: object.metadata.name, namespace: object.metadata.namespace ?? 'default' },
    spec: object.spec,
  });
  if (!result.success) throw new ReconcileError('InvalidSpec', describe(result.error), false);
  return result.data;
}

function describe(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.join('.');
      return issue.code === 'unrecognized_keys'
        ? `${path}: unknown field(s) ${issue.keys.join(', ')}`
        : `${path}: ${issue.message}`;
    })
    .join('; ');
}

export interface Referenced {
  team: ResourceType;
  user: ResourceType;
}

/** The Team and User manifests of an association; undefined when one cannot be known. */
export async function membershipParties(
  kube: KubeClient,
  association: { object: KubeObject; manifest: MembershipManifest },
  types: Referenced,
  deleting: boolean,
): Promise<Manifest[] | undefined> {
  const { object, manifest } = association;
  const namespace = manifest.metadata.namespace ?? 'default';
  const status = (object.status ?? {}) as Record<string, string | undefined>;
  const [team, user] = await Promise.all([
    kube.get(types.team, namespace, manifest.spec.teamRef.name),
    kube.get(types.user, namespace, manifest.spec.userRef.name),
  ]);
  const connectionRef = manifest.spec.connectionRef;
  const teamManifest = team
    ? toManifest(team)
    : deleting && status.teamAlias
      ? toManifest({
          ...object,
          kind: 'Team',
          metadata: { name: manifest.spec.teamRef.name, namespace },
          spec: {
            connectionRef,
            teamAlias: status.teamAlias,
            ...(status.teamID && { teamID: status.teamID }),
          },
        })
      : undefined;
  const userManifest = user
    ? toManifest(user)
    : deleting && status.userEmail
      ? toManifest({
          ...object,
          kind: 'User',
          metadata: { name: manifest.spec.userRef.name, namespace },
          spec: { connectionRef, userEmail: status.userEmail },
        })
      : undefined;
  if (teamManifest && userManifest) return [teamManifest, userManifest];
  if (deleting) return undefined;
  const missing = [
    !team && `Team ${manifest.spec.teamRef.name}`,
    !user && `User ${manifest.spec.userRef.name}`,
  ]
    .filter(Boolean)
    .join(' and ');
  throw new ReconcileError('DependencyNotReady', `${missing} not found in namespace ${namespace}`);
}

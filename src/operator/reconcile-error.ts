/**
 * Why a reconcile did not reach the desired state, as the condition reason the resource shows,
 * and whether retrying (with backoff) can help without a change to the resource.
 */
export type FailureReason =
  | 'InvalidSpec'
  | 'ConnectionError'
  | 'Unauthorized'
  | 'DependencyNotReady'
  | 'ConfigError'
  | 'LitellmError'
  | 'SecretError'
  | 'DeleteFailed'
  /** A LiteLLMInstance whose gateway is not answering yet while its Deployment rolls out. */
  | 'Deploying'
  /** A LiteLLMInstance's Secret, ConfigMap, Deployment, Service or Ingress could not be written. */
  | 'DeployFailed';

export class ReconcileError extends Error {
  constructor(
    readonly reason: FailureReason,
    message: string,
    /** False when only a change to the resource can fix it (an invalid spec). */
    readonly retry = true,
  ) {
    super(message);
    this.name = 'ReconcileError';
  }
}

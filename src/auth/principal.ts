/**
 * Who is calling, resolved once per request and immutable afterwards. Virtual keys (with their
 * user, team and customer) slot in as another kind with the same questions answered.
 */
export type ProxyRole =
  'proxy_admin' | 'proxy_admin_viewer' | 'internal_user' | 'internal_user_viewer';

export interface Principal {
  kind: 'master_key' | 'open_access';
  role: ProxyRole;
  /** SHA-256 hex of the key used, when there was one. */
  keyHash?: string;
  /** Whether the caller may use a model group; undefined models list means every model. */
  canUseModel(model: string): boolean;
}

export function createMasterPrincipal(keyHash: string): Principal {
  return { kind: 'master_key', role: 'proxy_admin', keyHash, canUseModel: () => true };
}

export function createOpenAccessPrincipal(): Principal {
  return { kind: 'open_access', role: 'proxy_admin', canUseModel: () => true };
}

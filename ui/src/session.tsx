/**
 * Who is signed in, and what they may do. The gateway decides every request anyway; these
 * rules only keep the pages from offering buttons that would be refused.
 */
import { createContext, useContext } from 'react';
import type { ProxyRole, Session } from './api/types';

export interface SessionState {
  session: Session;
  signOut(): Promise<void>;
}

export const SessionContext = createContext<SessionState | undefined>(undefined);

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside a signed-in page');
  return state;
}

const ADMIN_ROLES: ReadonlySet<ProxyRole> = new Set(['proxy_admin', 'proxy_admin_viewer']);

/** Admin pages: proxy admins, and proxy admin viewers read-only. */
export function seesAdminPages(role: ProxyRole): boolean {
  return ADMIN_ROLES.has(role);
}

/** Changes users, teams, models and every key. */
export function isProxyAdmin(role: ProxyRole): boolean {
  return role === 'proxy_admin';
}

/** Creates, deletes and regenerates its own keys (viewers read only). */
export function managesOwnKeys(role: ProxyRole): boolean {
  return role === 'proxy_admin' || role === 'internal_user';
}

/** Calls LLM routes (the playground): everyone but the proxy admin viewer. */
export function callsModels(role: ProxyRole): boolean {
  return role !== 'proxy_admin_viewer';
}

export const ROLE_LABELS: Record<ProxyRole, string> = {
  proxy_admin: 'Admin',
  proxy_admin_viewer: 'Admin (read-only)',
  internal_user: 'User',
  internal_user_viewer: 'User (read-only)',
};

/**
 * The SSO routes, under LiteLLM's names: `/sso/key/generate` starts a sign-in (or, without SSO
 * configured, sends the browser to the password sign-in page), `/sso/callback` finishes it in a
 * web UI session; `/sso/debug/login` and `/sso/debug/callback` let a signed-in proxy admin see
 * the claims the provider sends and what they map to, without signing anyone in.
 * `/.well-known/litellm-ui-config` tells the sign-in page whether to offer SSO.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import { cameOverHttps } from '../sessions/session-cookies.js';
import { startSession } from '../sessions/session-routes.js';
import { clearedPendingCookie, pendingCookie, pendingOf } from './sso-pending.js';
import type { SsoService } from './sso-service.js';

export interface SsoRouteDeps {
  /** Absent when no SSO provider is configured (or there is no database). */
  sso?: SsoService;
  /** `PROXY_BASE_URL`; the request's own origin when unset. */
  baseUrl?: string;
}

const CALLBACK = '/sso/callback';
const DEBUG_CALLBACK = '/sso/debug/callback';
/** Where a finished sign-in lands (LiteLLM's), and where the password form is. */
const UI_SIGNED_IN = '/ui/?login=success';
const UI_LOGIN = '/ui/login';

export function registerSsoRoutes(app: FastifyInstance, deps: SsoRouteDeps): void {
  // LiteLLM's UI discovery route, read before anyone signs in: only facts the sign-in page
  // needs, nothing about the provider itself.
  app.get('/.well-known/litellm-ui-config', async () => ({
    server_root_path: '/',
    proxy_base_url: deps.baseUrl ?? null,
    auto_redirect_to_sso: false,
    admin_ui_disabled: false,
    sso_configured: deps.sso !== undefined,
  }));
  app.get('/sso/key/generate', async (request, reply) => {
    if (!deps.sso) return reply.redirect(UI_LOGIN, 303);
    return begin(deps, { request, reply }, false);
  });
  app.get(CALLBACK, async (request, reply) => {
    const sso = configured(deps);
    const claims = await complete(deps, { request, reply }, false);
    const signedIn = await sso.signIn(claims);
    startSession(request, reply, signedIn.started);
    return reply.redirect(UI_SIGNED_IN, 303);
  });
  app.get('/sso/debug/login', async (request, reply) => {
    configured(deps);
    return begin(deps, { request, reply }, true);
  });
  app.get(DEBUG_CALLBACK, async (request, reply) => {
    const sso = configured(deps);
    const claims = await complete(deps, { request, reply }, true);
    return { sso_debug: true, received_claims: claims, maps_to: sso.identityOf(claims) };
  });
}

interface Exchange {
  request: FastifyRequest;
  reply: FastifyReply;
}

async function begin(deps: SsoRouteDeps, { request, reply }: Exchange, debug: boolean) {
  const sso = configured(deps);
  const { url, pending } = await sso.start(redirectUri(deps, request, debug), debug);
  reply.header('set-cookie', pendingCookie(pending, cameOverHttps(request)));
  return reply.redirect(url.href, 303);
}

/** The claims of the sign-in this browser started; the pending cookie is spent either way. */
async function complete(
  deps: SsoRouteDeps,
  { request, reply }: Exchange,
  debug: boolean,
): Promise<Record<string, unknown>> {
  const sso = configured(deps);
  const pending = pendingOf(request.headers);
  reply.header('set-cookie', clearedPendingCookie(cameOverHttps(request)));
  if (!pending || pending.debug !== debug) {
    throw new GatewayError(
      'invalid_api_key',
      `SSO sign-in failed: no sign-in was started in this browser, or it took too long. Start again at ${debug ? '/sso/debug/login' : '/sso/key/generate'}.`,
    );
  }
  const callback = new URL(redirectUri(deps, request, debug));
  callback.search = new URL(request.url, 'http://localhost').search;
  return sso.finish(callback, pending);
}

function redirectUri(deps: SsoRouteDeps, request: FastifyRequest, debug: boolean): string {
  const path = debug ? DEBUG_CALLBACK : CALLBACK;
  if (deps.baseUrl !== undefined) return `${deps.baseUrl}${path}`;
  const host = request.host;
  // The provider only redirects to registered URIs; a forged Host cannot divert the code, but it
  // must not be able to break the URI either.
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) {
    throw new GatewayError('bad_request', 'Invalid Host header; set PROXY_BASE_URL.');
  }
  return `${cameOverHttps(request) ? 'https' : 'http'}://${host}${path}`;
}

function configured(deps: SsoRouteDeps): SsoService {
  if (!deps.sso) {
    throw new GatewayError(
      'not_found',
      'SSO is not configured: set GENERIC_CLIENT_ID (or GOOGLE_CLIENT_ID / MICROSOFT_CLIENT_ID) and a database.',
    );
  }
  return deps.sso;
}

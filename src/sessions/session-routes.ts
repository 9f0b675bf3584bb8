/**
 * `/login`, `/session` and `/logout`: public routes (no key needed) that start, show and end a
 * web UI session. Form posts (LiteLLM's login page) get redirects; JSON callers get JSON.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../errors/gateway-error.js';
import type { UserRepository } from '../store/user-repository.js';
import { isFormPost, parseFormBody, parseLogin } from './login-body.js';
import type { LoginService } from './login-service.js';
import { cameOverHttps, clearedCookies, sessionCookies, sessionIdOf } from './session-cookies.js';
import { sessionEnded } from './session-authenticator.js';
import type { SessionService, StartedSession } from './session-service.js';
import { sessionView } from './session-view.js';

export interface SessionRouteDeps {
  /** Absent without a database: sign-in answers LiteLLM's "No Database connected". */
  login?: LoginService;
  sessions?: SessionService;
  users?: Pick<UserRepository, 'findById'>;
  /** `PROXY_LOGOUT_URL`. */
  logoutUrl?: string;
}

/** Where a form sign-in lands, and a form or GET logout without PROXY_LOGOUT_URL. */
const UI_HOME = '/ui/';
const UI_LOGIN = '/ui/login';

export function registerSessionRoutes(app: FastifyInstance, deps: SessionRouteDeps): void {
  // Form posts are parsed here only: elsewhere every body is read as JSON, as LiteLLM does.
  void app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => done(null, parseFormBody(body as string)),
    );
    scope.post('/login', async (request, reply) => {
      const { login } = available(deps);
      const input = parseLogin(request.body);
      const signedIn = await login.login({ ...input, ip: request.ip });
      startSession(request, reply, signedIn.started);
      if (isFormPost(request.headers['content-type'])) return reply.redirect(UI_HOME, 303);
      return signedIn.view;
    });
    scope.post('/logout', (request, reply) => logout(deps, request, reply));
  });
  app.get('/logout', (request, reply) => logout(deps, request, reply));

  app.get('/session', async (request) => {
    const { sessions, users } = available(deps);
    const id = sessionIdOf(request.headers);
    const record = id === undefined ? undefined : await sessions.find(id);
    if (!record) throw sessionEnded();
    const user = record.kind === 'user' ? await users.findById(record.user_id) : undefined;
    if (record.kind === 'user' && !user) throw sessionEnded();
    // With PROXY_LOGOUT_URL, where the UI sends the browser after signing out: fetch cannot
    // follow /logout's redirect to another site, so the page goes there itself.
    const view = sessionView(record, user);
    return deps.logoutUrl ? { ...view, logout_url: deps.logoutUrl } : view;
  });
}

/** Sets the session's cookies on the answer. */
export function startSession(
  request: FastifyRequest,
  reply: FastifyReply,
  started: StartedSession,
): void {
  reply.header(
    'set-cookie',
    sessionCookies(
      {
        id: started.id,
        csrfToken: started.record.csrf_token,
        expiresAt: started.record.expires_at,
      },
      cameOverHttps(request),
    ),
  );
}

async function logout(
  deps: SessionRouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<unknown> {
  const id = sessionIdOf(request.headers);
  if (id !== undefined && deps.sessions) await deps.sessions.end(id);
  reply.header('set-cookie', clearedCookies(cameOverHttps(request)));
  if (deps.logoutUrl) return reply.redirect(deps.logoutUrl, 303);
  if (request.method === 'GET' || isFormPost(request.headers['content-type'])) {
    return reply.redirect(UI_LOGIN, 303);
  }
  return { logged_out: true };
}

function available(deps: SessionRouteDeps): Required<Omit<SessionRouteDeps, 'logoutUrl'>> {
  const { login, sessions, users } = deps;
  if (!login || !sessions || !users) {
    throw new GatewayError(
      'db_not_connected',
      'No Database connected. Set DATABASE_URL in .env. If set, use `--detailed_debug` to debug issue.',
    );
  }
  return { login, sessions, users };
}

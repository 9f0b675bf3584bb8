/**
 * Simulates Google Cloud for Vertex AI calls, on one local server:
 * - Google's OAuth token endpoint (`POST /token`): the JWT bearer grant of a service account (the
 *   assertion's RS256 signature checked with the account's public key, its issuer, audience and
 *   scope) and the refresh-token grant of application-default user credentials, answering
 *   `{access_token, expires_in, token_type}` or Google's `{error, error_description}`;
 * - the metadata server's token (`GET /computeMetadata/v1/instance/service-accounts/default/token`
 *   with `Metadata-Flavor: Google`);
 * - Vertex AI (`POST /v1/projects/{project}/locations/{location}/publishers/google/models/
 *   {model}:generateContent`, `:streamGenerateContent?alt=sse`, `:predict` for embeddings; and
 *   `publishers/anthropic/models/{model}:rawPredict` / `:streamRawPredict` for Claude, answering
 *   as Anthropic does), which takes only the access tokens it issued, with Google's error bodies.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { jwtVerify } from 'jose';
import { answerMessages, sendAnthropicError, type MessagesBody } from './anthropic-simulator.js';
import { generate, sendGoogleError, stream, type GeminiBody } from './gemini-simulator.js';
import { startSimulator, writeJsonWithFault, type Simulator } from './simulator-server.js';

export interface VertexSimulator extends Simulator {
  /** A service account key file's JSON whose token_uri is this server. */
  serviceAccount: Record<string, string>;
  /** Application-default user credentials whose token_uri is this server. */
  authorizedUser: Record<string, string>;
  /** Tokens issued, by how they were obtained. */
  issued: { token: string; grant: 'jwt-bearer' | 'refresh_token' | 'metadata' }[];
  /** `expires_in` of the next tokens (3599 by default, as Google). */
  expiresIn: number;
  /** Vertex calls received: project, location, model, method. */
  calls: { project: string; location: string; model: string; method: string }[];
}

const ROUTE =
  /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/(google|anthropic)\/models\/([^:/]+):(\w+)$/;
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

export async function startVertexSimulator(): Promise<VertexSimulator> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // What the handler reads and records: the simulator object itself, once it exists.
  const state = {
    issued: [] as VertexSimulator['issued'],
    expiresIn: 3599,
    calls: [] as VertexSimulator['calls'],
  };
  let url = '';
  const current: { simulator?: VertexSimulator } = {};
  const cachedSystems = new Set<string>();
  const issue = (grant: VertexSimulator['issued'][number]['grant']) => {
    const token = `ya29.sim-${state.issued.length + 1}`;
    state.issued.push({ token, grant });
    return {
      access_token: token,
      expires_in: current.simulator?.expiresIn ?? 3599,
      token_type: 'Bearer',
    };
  };
  const sim = await startSimulator(async ({ req, res, fault }) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    if (req.path === '/token' && req.method === 'POST') {
      const form = Object.fromEntries(new URLSearchParams(req.rawBody));
      if (form.grant_type === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
        const verified = await verifyAssertion(form.assertion ?? '', publicKey, `${url}/token`);
        if (!verified) {
          return json(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
        }
        return json(200, issue('jwt-bearer'));
      }
      if (form.grant_type === 'refresh_token') {
        if (
          form.client_id !== 'sim-client.apps.googleusercontent.com' ||
          form.client_secret !== 'sim-client-secret' ||
          form.refresh_token !== '1//sim-refresh-token'
        ) {
          return json(400, { error: 'invalid_grant', error_description: 'Bad Request' });
        }
        return json(200, issue('refresh_token'));
      }
      return json(400, {
        error: 'unsupported_grant_type',
        error_description: 'Invalid grant_type',
      });
    }
    if (req.path === '/computeMetadata/v1/instance/service-accounts/default/token') {
      if (req.headers['metadata-flavor'] !== 'Google') {
        res.writeHead(403, { 'content-type': 'text/html' });
        res.end('Missing required header: Metadata-Flavor');
        return;
      }
      return json(200, issue('metadata'));
    }
    const route = ROUTE.exec(decodeURIComponent(req.path));
    if (!route || req.method !== 'POST')
      return sendGoogleError(res, 404, `Unknown path ${req.path}`);
    const [, project = '', location = '', publisher = '', model = '', method = ''] = route;
    const auth = String(req.headers.authorization ?? '');
    if (!state.issued.some((t) => auth === `Bearer ${t.token}`)) {
      return sendGoogleError(
        res,
        401,
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      );
    }
    state.calls.push({ project, location, model, method });
    if (publisher === 'anthropic') {
      // Claude on Vertex: the Messages API body, its version inside it and no model.
      const messages = (req.body ?? {}) as MessagesBody & { anthropic_version?: string };
      if (messages.anthropic_version !== 'vertex-2023-10-16' || messages.model !== undefined) {
        return sendAnthropicError(res, {
          kind: 'status',
          status: 400,
          message: 'anthropic_version: vertex-2023-10-16 is required and model is not allowed',
        });
      }
      if (fault?.kind === 'status') return sendAnthropicError(res, fault);
      const streaming = method === 'streamRawPredict';
      if (!streaming && method !== 'rawPredict') return sendGoogleError(res, 400, 'Bad method');
      return answerMessages(res, { ...messages, model, stream: streaming }, cachedSystems, fault);
    }
    if (fault?.kind === 'status') return sendGoogleError(res, fault.status, fault.message);
    const body = (req.body ?? {}) as GeminiBody & { instances?: { content?: string }[] };
    if (method === 'generateContent') {
      return writeJsonWithFault(res, generate(body, model, false).final, fault);
    }
    if (method === 'streamGenerateContent') {
      return stream(res, generate(body, model, true).events, req.query.get('alt') === 'sse', fault);
    }
    if (method === 'predict') {
      return writeJsonWithFault(
        res,
        {
          predictions: (body.instances ?? []).map((instance, i) => ({
            embeddings: {
              values: [0.01 * (i + 1), -0.02, 0.03],
              statistics: {
                truncated: false,
                token_count: (instance.content ?? '').split(' ').length,
              },
            },
          })),
          metadata: { billableCharacterCount: 12 },
        },
        fault,
      );
    }
    return sendGoogleError(res, 400, `Method ${method} is not supported`);
  });
  url = sim.url;
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const self = Object.assign(sim, {
    serviceAccount: {
      type: 'service_account',
      project_id: 'sim-project',
      private_key_id: 'sim-key-1',
      private_key: pem,
      client_email: 'gateway@sim-project.iam.gserviceaccount.com',
      client_id: '100000000000000000001',
      token_uri: `${url}/token`,
    },
    authorizedUser: {
      type: 'authorized_user',
      client_id: 'sim-client.apps.googleusercontent.com',
      client_secret: 'sim-client-secret',
      refresh_token: '1//sim-refresh-token',
      token_uri: `${url}/token`,
    },
    issued: state.issued,
    calls: state.calls,
    expiresIn: state.expiresIn,
  });
  current.simulator = self;
  return self;
}

async function verifyAssertion(assertion: string, key: KeyObject, audience: string) {
  try {
    const { payload } = await jwtVerify(assertion, key, {
      audience,
      issuer: 'gateway@sim-project.iam.gserviceaccount.com',
      algorithms: ['RS256'],
    });
    return payload.scope === SCOPE;
  } catch {
    return false;
  }
}

/**
 * Simulates Microsoft Entra ID's token endpoint for the client-credentials grant:
 * `POST /{tenant}/oauth2/v2.0/token` with a form body (a client secret, or a federated token as
 * the client assertion: AKS workload identity), answering `{token_type, expires_in,
 * access_token}`, or Entra's error body (`invalid_client`, an `AADSTS...` description) for a
 * wrong secret or an unknown tenant.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface EntraSimulator {
  url: string;
  /** Form bodies of the token requests received, in order. */
  requests: Record<string, string>[];
  /** Tokens issued so far (valid for the Azure simulator's `acceptsToken`). */
  issued: Set<string>;
  /** `expires_in` of the next tokens, in seconds (3599 by default, as Entra). */
  expiresIn: number;
  close(): Promise<void>;
}

export async function startEntraSimulator(options: {
  tenant: string;
  clientId: string;
  clientSecret: string;
  /** A federated token (AKS workload identity) accepted as the client assertion. */
  federatedToken?: string;
}): Promise<EntraSimulator> {
  const sim: Omit<EntraSimulator, 'url' | 'close'> = {
    requests: [],
    issued: new Set(),
    expiresIn: 3599,
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(body));
      sim.requests.push(form);
      const fail = (status: number, error: string, description: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error,
            error_description: `${description}\r\nTrace ID: 00000000-0000-0000-0000-000000000000\r\nTimestamp: 2026-11-27 00:00:00Z`,
            error_codes: [7000215],
          }),
        );
      };
      if (req.method !== 'POST' || req.url !== `/${options.tenant}/oauth2/v2.0/token`) {
        return fail(400, 'invalid_request', `AADSTS90002: Tenant not found.`);
      }
      if (
        form.grant_type !== 'client_credentials' ||
        form.scope !== 'https://cognitiveservices.azure.com/.default'
      ) {
        return fail(400, 'invalid_request', 'AADSTS900144: The request body must contain scope.');
      }
      const federated =
        options.federatedToken !== undefined &&
        form.client_assertion_type === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' &&
        form.client_assertion === options.federatedToken;
      if (
        form.client_id !== options.clientId ||
        (!federated && form.client_secret !== options.clientSecret)
      ) {
        return fail(
          401,
          'invalid_client',
          `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${String(form.client_id)}'.`,
        );
      }
      const token = `entra-token-${sim.issued.size + 1}`;
      sim.issued.add(token);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          token_type: 'Bearer',
          expires_in: sim.expiresIn,
          ext_expires_in: sim.expiresIn,
          access_token: token,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(sim, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as EntraSimulator;
}

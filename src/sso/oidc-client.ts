/**
 * The OpenID Connect client of SSO sign-in (`openid-client`): the provider's metadata from
 * discovery (`<issuer>/.well-known/openid-configuration`), or from the endpoints given in
 * LiteLLM's `GENERIC_*_ENDPOINT` variables. Discovery happens at the first sign-in, not at start,
 * so a provider that is briefly away does not stop the gateway; a failed discovery is retried by
 * the next sign-in.
 */
import type { Configuration } from 'openid-client';
import type { SsoSettings } from '../config/sso-settings.js';
import { GatewayError } from '../errors/gateway-error.js';

export type OidcConfiguration = Configuration;

/** `openid-client` is loaded by the first sign-in: a gateway without SSO never loads it. */
export function loadOpenIdClient(): Promise<typeof import('openid-client')> {
  return import('openid-client');
}

export interface OidcClient {
  configuration(): Promise<OidcConfiguration>;
}

const TIMEOUT_SECONDS = 10;

export function createOidcClient(settings: SsoSettings): OidcClient {
  let pending: Promise<OidcConfiguration> | undefined;
  return {
    configuration() {
      pending ??= build(settings).catch((error: unknown) => {
        pending = undefined;
        throw new GatewayError(
          'service_unavailable',
          `Service Unavailable, the SSO provider cannot be reached (${settings.issuer}). Please retry shortly.`,
          { cause: error },
        );
      });
      return pending;
    },
  };
}

async function build(settings: SsoSettings): Promise<OidcConfiguration> {
  const oidc = await loadOpenIdClient();
  const auth = oidc.ClientSecretPost(settings.clientSecret);
  // Plain http is the operator's explicit choice (a provider on the same network or host).
  const insecure = (url: string) => url.startsWith('http://');
  const { endpoints } = settings;
  if (!endpoints) {
    return oidc.discovery(new URL(settings.issuer), settings.clientId, undefined, auth, {
      timeout: TIMEOUT_SECONDS,
      execute: insecure(settings.issuer) ? [oidc.allowInsecureRequests] : [],
    });
  }
  const config = new oidc.Configuration(
    {
      issuer: settings.issuer,
      authorization_endpoint: endpoints.authorization,
      token_endpoint: endpoints.token,
      userinfo_endpoint: endpoints.userinfo,
      jwks_uri: endpoints.jwks,
    },
    settings.clientId,
    undefined,
    auth,
  );
  config.timeout = TIMEOUT_SECONDS;
  if ([endpoints.authorization, endpoints.token, endpoints.userinfo ?? ''].some(insecure)) {
    oidc.allowInsecureRequests(config);
  }
  return config;
}

/**
 * What the sign-in page may offer, asked before anyone signs in
 * (`GET /.well-known/litellm-ui-config`, LiteLLM's route).
 */
import { api } from './http';

export interface UiConfig {
  sso_configured: boolean;
}

/** Where the SSO button leads: the gateway sends the browser on to the identity provider. */
export const SSO_START = '/sso/key/generate';

/** Without an answer the page offers the password form only. */
export function uiConfig(): Promise<UiConfig> {
  return api.get<UiConfig>('/.well-known/litellm-ui-config').catch(() => ({
    sso_configured: false,
  }));
}

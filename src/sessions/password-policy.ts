/** LiteLLM's password rule for UI accounts: 8 to 128 characters. */
import { GatewayError } from '../errors/gateway-error.js';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

export function checkPasswordPolicy(password: string): void {
  if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) {
    throw new GatewayError(
      'bad_request',
      `Password must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters long.`,
      { param: 'password' },
    );
  }
}

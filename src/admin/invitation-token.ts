/**
 * The onboarding token `/onboarding/get_token` hands out: an HMAC over the invitation, its user
 * and an expiry, good for 15 minutes and for `/onboarding/claim_token` of that invitation only.
 * Unlike LiteLLM's, it is not a UI login token: nothing else accepts it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = 'onb.';
export const ONBOARDING_TOKEN_MS = 15 * 60_000;

export class OnboardingTokens {
  constructor(
    private readonly secret: string,
    private readonly now: () => number,
  ) {}

  issue(invitationId: string, userId: string): string {
    const expires = this.now() + ONBOARDING_TOKEN_MS;
    return `${PREFIX}${expires}.${this.mac(invitationId, userId, expires)}`;
  }

  /** Whether `token` was issued for this invitation and user and is still valid. */
  verify(token: string, invitationId: string, userId: string): boolean {
    if (!token.startsWith(PREFIX)) return false;
    const [expiresText, mac] = token.slice(PREFIX.length).split('.');
    const expires = Number(expiresText);
    if (!Number.isSafeInteger(expires) || mac === undefined || expires <= this.now()) return false;
    const expected = Buffer.from(this.mac(invitationId, userId, expires));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private mac(invitationId: string, userId: string, expires: number): string {
    return createHmac('sha256', this.secret)
      .update(`tollgate-onboarding\u0000${invitationId}\u0000${userId}\u0000${expires}`)
      .digest('base64url');
  }
}

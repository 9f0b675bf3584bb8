/**
 * Invitations and onboarding (LiteLLM's /invitation/* and /onboarding/*): an admin invites an
 * existing user; the link works once, for 7 days; claiming it sets the user's password and signs
 * the user in. `/user/new` with `send_invite_email` comes here too, and the link is emailed when
 * SMTP is set.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal.js';
import { GatewayError } from '../errors/gateway-error.js';
import { invitationEmail } from '../notify/invitation-email.js';
import type { Mailer } from '../notify/email.js';
import { checkPasswordPolicy } from '../sessions/password-policy.js';
import type { SessionService, StartedSession } from '../sessions/session-service.js';
import type { InvitationRecord } from '../store/invitation-repository.js';
import { changesBy } from '../store/audited-repositories.js';
import type { Store } from '../store/store.js';
import type { UserRecord } from '../store/user-repository.js';
import { actorOf } from './caller-scope.js';
import type { OnboardingTokens } from './invitation-token.js';
import type { ClaimTokenInput, InvitationListQuery } from './invitation-schemas.js';
import { invitationLink, invitationView } from './invitation-view.js';
import { hashPassword } from './password-hash.js';

export interface InvitationServiceDeps {
  store: Pick<Store, 'invitations' | 'users' | 'auditedBy'>;
  sessions: SessionService;
  tokens: OnboardingTokens;
  /** Sends invitation emails; none without SMTP settings. */
  mailer?: Mailer;
  logger: Logger;
  /** `PROXY_BASE_URL`; else links start with the origin of the request that asked. */
  baseUrl?: string;
  now: () => number;
}

/** LiteLLM: invitation links are valid for 7 days. */
export const INVITATION_MS = 7 * 24 * 3600_000;

export interface Claimed {
  started: StartedSession;
  user: UserRecord;
}

export class InvitationService {
  constructor(private readonly deps: InvitationServiceDeps) {}

  async create(
    caller: Principal,
    userId: string,
    origin: string,
  ): Promise<Record<string, unknown>> {
    const invitation = await this.invite(caller, userId);
    return invitationView(invitation, this.baseUrlFor(origin));
  }

  async info(id: string, origin: string): Promise<Record<string, unknown>> {
    return invitationView(await this.existing(id), this.baseUrlFor(origin));
  }

  async update(
    caller: Principal,
    input: { invitation_id: string; is_accepted: boolean },
    origin: string,
  ): Promise<Record<string, unknown>> {
    await this.existing(input.invitation_id);
    const at = this.at();
    const updated = await changesBy(this.deps.store, caller).invitations.update(
      input.invitation_id,
      {
        is_accepted: input.is_accepted,
        accepted_at: input.is_accepted ? at : null,
        updated_at: at,
        updated_by: actorOf(caller),
      },
    );
    if (!updated) throw unknownInvitation();
    return invitationView(updated, this.baseUrlFor(origin));
  }

  async delete(caller: Principal, id: string, origin: string): Promise<Record<string, unknown>> {
    const deleted = await changesBy(this.deps.store, caller).invitations.delete(id);
    if (!deleted) throw unknownInvitation();
    return invitationView(deleted, this.baseUrlFor(origin));
  }

  async list(query: InvitationListQuery, origin: string): Promise<Record<string, unknown>> {
    const page = await this.deps.store.invitations.list({
      page: query.page,
      size: query.page_size,
      userId: query.user_id,
    });
    const base = this.baseUrlFor(origin);
    return {
      invitations: page.invitations.map((i) => invitationView(i, base)),
      total: page.total,
      page: query.page,
      page_size: query.page_size,
      total_pages: Math.ceil(page.total / query.page_size),
    };
  }

  /** `/user/new` with `send_invite_email`: an invitation, emailed when SMTP is set. */
  async inviteNewUser(
    caller: Principal,
    user: UserRecord,
    origin: string,
  ): Promise<{ invitation_link: string; invitation_email_sent: boolean }> {
    const invitation = await this.invite(caller, user.user_id);
    const link = invitationLink(this.baseUrlFor(origin), invitation.id);
    let sent = false;
    if (this.deps.mailer && user.user_email) {
      try {
        await this.deps.mailer.send(
          invitationEmail({ to: user.user_email, link, expiresAt: invitation.expires_at }),
        );
        sent = true;
      } catch (error: unknown) {
        this.deps.logger.error(
          { err: error, user_id: user.user_id },
          'invitation email: the mail server refused it; share the invitation link instead',
        );
      }
    }
    return { invitation_link: link, invitation_email_sent: sent };
  }

  /** `/onboarding/get_token`: what the onboarding page shows, and a claim-only token. */
  async getToken(id: string, origin: string): Promise<Record<string, unknown>> {
    const invitation = this.usable(await this.deps.store.invitations.findById(id));
    const user = await this.deps.store.users.findById(invitation.user_id);
    if (!user) throw unknownLink();
    return {
      login_url: invitationLink(this.baseUrlFor(origin), invitation.id),
      token: this.deps.tokens.issue(invitation.id, user.user_id),
      user_email: user.user_email,
      user_id: user.user_id,
      invitation_id: invitation.id,
      expires_at: invitation.expires_at,
    };
  }

  /**
   * `/onboarding/claim_token`: sets the password, accepts the invitation (once), ends any other
   * session of the user and starts a new one.
   */
  async claim(input: ClaimTokenInput, bearer: string | undefined): Promise<Claimed> {
    const found = await this.deps.store.invitations.findById(input.invitation_link);
    if (found && found.user_id !== input.user_id) {
      throw new GatewayError(
        'bad_request',
        'Invalid invitation link. The user id does not match the invitation.',
        { param: 'user_id' },
      );
    }
    const invitation = this.usable(found);
    if (bearer !== undefined && !this.deps.tokens.verify(bearer, invitation.id, input.user_id)) {
      throw new GatewayError('invalid_api_key', 'Invalid onboarding session for invitation link.');
    }
    checkPasswordPolicy(input.password);
    const passwordHash = await hashPassword(input.password);
    const claimed = await this.deps.store
      .auditedBy({ userId: invitation.user_id, keyHash: null })
      .invitations.claim(invitation.id, {
        at: this.at(),
        passwordHash,
      });
    // Lost a race with another claim, or expired meanwhile: the same errors as before.
    if (!claimed) this.usable(await this.deps.store.invitations.findById(invitation.id));
    const user = await this.deps.store.users.findById(input.user_id);
    if (!user || !claimed) throw unknownLink();
    await this.deps.sessions.endOthers(user.user_id);
    const started = await this.deps.sessions.start({ userId: user.user_id, kind: 'user' });
    return { started, user };
  }

  private async invite(caller: Principal, userId: string): Promise<InvitationRecord> {
    const user = await this.deps.store.users.findById(userId);
    if (!user) {
      throw new GatewayError(
        'bad_request',
        "User id does not exist in 'LiteLLM_UserTable'. Fix this by creating user via `/user/new`.",
        { param: 'user_id' },
      );
    }
    const now = this.deps.now();
    const at = new Date(now).toISOString();
    const actor = actorOf(caller);
    const invitation: InvitationRecord = {
      id: randomUUID(),
      user_id: userId,
      is_accepted: false,
      accepted_at: null,
      expires_at: new Date(now + INVITATION_MS).toISOString(),
      created_at: at,
      created_by: actor,
      updated_at: at,
      updated_by: actor,
    };
    await changesBy(this.deps.store, caller).invitations.create(invitation);
    return invitation;
  }

  /** An invitation that can still be claimed, or the error that says why not. */
  private usable(invitation: InvitationRecord | undefined): InvitationRecord {
    if (!invitation) throw unknownLink();
    if (invitation.is_accepted) {
      throw new GatewayError('conflict', 'Invitation link has already been used.', {
        param: 'invitation_link',
      });
    }
    if (Date.parse(invitation.expires_at) <= this.deps.now()) {
      throw new GatewayError('bad_request', 'Invitation link has expired.', {
        param: 'invitation_link',
      });
    }
    return invitation;
  }

  private async existing(id: string): Promise<InvitationRecord> {
    const invitation = await this.deps.store.invitations.findById(id);
    if (!invitation) throw unknownInvitation();
    return invitation;
  }

  /** Where links point: `PROXY_BASE_URL`, else the origin the request came to. */
  baseUrlFor(origin: string): string {
    return this.deps.baseUrl ?? origin;
  }

  private at(): string {
    return new Date(this.deps.now()).toISOString();
  }
}

function unknownInvitation(): GatewayError {
  return new GatewayError('bad_request', 'Invitation id does not exist in the database.', {
    param: 'invitation_id',
  });
}

function unknownLink(): GatewayError {
  return new GatewayError('not_found', 'Invitation link does not exist in db.', {
    param: 'invitation_link',
  });
}

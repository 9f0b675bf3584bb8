/** The invitation email: who invites, the link, until when it works. Plain text and HTML. */
import type { EmailMessage } from './email.js';

export function invitationEmail(invite: {
  to: string;
  link: string;
  expiresAt: string;
}): EmailMessage {
  const until = new Date(invite.expiresAt).toUTCString();
  const text = [
    'You have been invited to the LLM gateway.',
    '',
    `Open this link to set your password and sign in: ${invite.link}`,
    '',
    `The link works once, until ${until}.`,
  ].join('\n');
  const link = escapeHtml(invite.link);
  const html = [
    '<p>You have been invited to the LLM gateway.</p>',
    `<p><a href="${link}">Set your password and sign in</a></p>`,
    `<p>Or copy this link: ${link}</p>`,
    `<p>The link works once, until ${escapeHtml(until)}.</p>`,
  ].join('\n');
  return { to: invite.to, subject: 'Your invitation to the LLM gateway', text, html };
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

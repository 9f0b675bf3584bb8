/**
 * Outgoing email over SMTP (nodemailer), with LiteLLM's settings: `SMTP_HOST`, `SMTP_PORT`,
 * `SMTP_USERNAME` / `SMTP_PASSWORD`, `SMTP_SENDER_EMAIL`, `SMTP_TLS`.
 */
import nodemailer, { type Transporter } from 'nodemailer';
import type { SmtpSettings } from '../config/ui-auth-settings.js';

export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  send(message: EmailMessage): Promise<void>;
  close(): void;
}

export function createSmtpMailer(settings: SmtpSettings): Mailer {
  const implicitTls = settings.port === 465;
  const transport: Transporter = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: implicitTls,
    // SMTP_TLS=True (the default): refuse to send unless the server upgrades with STARTTLS.
    requireTLS: settings.tls && !implicitTls,
    ignoreTLS: !settings.tls && !implicitTls,
    auth:
      settings.username === undefined
        ? undefined
        : { user: settings.username, pass: settings.password ?? '' },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    send: async (message) => {
      await transport.sendMail({ from: settings.sender, ...message });
    },
    close: () => transport.close(),
  };
}

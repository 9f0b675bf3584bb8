/**
 * Outgoing email over SMTP (nodemailer), with LiteLLM's settings: `SMTP_HOST`, `SMTP_PORT`,
 * `SMTP_USERNAME` / `SMTP_PASSWORD`, `SMTP_SENDER_EMAIL`, `SMTP_TLS`.
 */
import type { Transporter } from 'nodemailer';
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

/**
 * The SMTP transport is made (and nodemailer loaded) by the first message, so a gateway that never
 * sends email does not carry the library.
 */
export function createSmtpMailer(settings: SmtpSettings): Mailer {
  let transport: Promise<Transporter> | undefined;
  let opened: Transporter | undefined;
  const open = async (): Promise<Transporter> => {
    const { default: nodemailer } = await import('nodemailer');
    opened = createTransport(nodemailer, settings);
    return opened;
  };
  return {
    send: async (message) => {
      transport ??= open();
      await (await transport).sendMail({ from: settings.sender, ...message });
    },
    close: () => opened?.close(),
  };
}

function createTransport(
  nodemailer: (typeof import('nodemailer'))['default'],
  settings: SmtpSettings,
): Transporter {
  const implicitTls = settings.port === 465;
  return nodemailer.createTransport({
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
}

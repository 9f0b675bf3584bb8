/**
 * Web UI sign-in and invitation email, from the environment under LiteLLM's names: `UI_USERNAME`
 * / `UI_PASSWORD` (the master key when unset), `PROXY_BASE_URL`, `PROXY_LOGOUT_URL`, and the
 * `SMTP_*` variables of its email integration. `TOLLGATE_UI_SESSION_DURATION` is Tollgate's own.
 */
import { addDuration, parseDuration } from '../util/duration.js';

export interface SmtpSettings {
  host: string;
  port: number;
  username?: string;
  password?: string;
  sender: string;
  /** LiteLLM's `SMTP_TLS` (default True): STARTTLS required; port 465 is TLS from the start. */
  tls: boolean;
}

export interface UiAuthSettings {
  /** The UI admin's login name (`UI_USERNAME`, default `admin`). */
  adminUsername: string;
  /** Its password (`UI_PASSWORD`, else the master key); no admin login without one. */
  adminPassword?: string;
  /** `PROXY_BASE_URL`: where invitation links point; the request's origin when unset. */
  baseUrl?: string;
  /** `PROXY_LOGOUT_URL`: where /logout sends the browser. */
  logoutUrl?: string;
  /** How long a session lasts after sign-in. */
  sessionMs: number;
  /** Invitation email; none without `SMTP_HOST`. */
  smtp?: SmtpSettings;
}

type Env = Readonly<Record<string, string | undefined>>;

/** LiteLLM's UI sessions last 24 hours. */
const DEFAULT_SESSION = '24h';

export function buildUiAuthSettings(
  env: Env,
  masterKey: string | undefined,
  problems: string[],
): UiAuthSettings {
  const set = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  return {
    adminUsername: set('UI_USERNAME') ?? 'admin',
    adminPassword: env.UI_PASSWORD || masterKey,
    baseUrl: url('PROXY_BASE_URL', set('PROXY_BASE_URL'), problems)?.replace(/\/+$/, ''),
    logoutUrl: url('PROXY_LOGOUT_URL', set('PROXY_LOGOUT_URL'), problems),
    sessionMs: sessionLength(set('TOLLGATE_UI_SESSION_DURATION') ?? DEFAULT_SESSION, problems),
    smtp: smtpSettings(set, problems),
  };
}

function url(name: string, value: string | undefined, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = new URL(value);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return value;
  } catch {
    // reported below
  }
  problems.push(`${name}: must be an http:// or https:// URL, got "${value}"`);
  return undefined;
}

function sessionLength(text: string, problems: string[]): number {
  const problem = `TOLLGATE_UI_SESSION_DURATION: must be a duration such as 30m, 12h or 7d, got "${text}"`;
  try {
    const duration = parseDuration(text);
    const ms = duration && addDuration(0, duration);
    if (ms && ms > 0) return ms;
  } catch {
    // reported below
  }
  problems.push(problem);
  return 0;
}

function smtpSettings(
  set: (name: string) => string | undefined,
  problems: string[],
): SmtpSettings | undefined {
  const host = set('SMTP_HOST');
  if (host === undefined) return undefined;
  const portText = set('SMTP_PORT') ?? '587';
  const port = Number(portText);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    problems.push(`SMTP_PORT: must be a port number between 1 and 65535, got "${portText}"`);
  }
  const sender = set('SMTP_SENDER_EMAIL');
  if (sender === undefined) {
    problems.push(
      'SMTP_SENDER_EMAIL: must be set when SMTP_HOST is (the From: of invitation emails)',
    );
  }
  return {
    host,
    port,
    username: set('SMTP_USERNAME'),
    password: set('SMTP_PASSWORD'),
    sender: sender ?? '',
    // LiteLLM starts TLS unless SMTP_TLS is "False".
    tls: (set('SMTP_TLS') ?? 'True').toLowerCase() !== 'false',
  };
}

/** The gateway's pino logger. Keys and authorization headers are redacted wherever they appear. */
import { pino, type Logger } from 'pino';

const LITELLM_LEVELS: Record<string, string> = {
  DEBUG: 'debug',
  INFO: 'info',
  WARNING: 'warn',
  WARN: 'warn',
  ERROR: 'error',
  CRITICAL: 'fatal',
};

/** `LITELLM_LOG` / `TOLLGATE_LOG_LEVEL` → pino level; `info` by default. */
export function logLevelFrom(env: Record<string, string | undefined>): string {
  const name = env.TOLLGATE_LOG_LEVEL !== undefined ? 'TOLLGATE_LOG_LEVEL' : 'LITELLM_LOG';
  const raw = env[name] ?? 'INFO';
  const level = LITELLM_LEVELS[raw.toUpperCase()] ?? raw.toLowerCase();
  if (!PINO_LEVELS.has(level)) {
    throw new Error(
      `${name}=${raw} is not a log level; use DEBUG, INFO, WARNING or ERROR (or trace, fatal, silent)`,
    );
  }
  return level;
}

const PINO_LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'tollgate' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-api-key"]',
          'req.headers["api-key"]',
          'req.headers["x-litellm-api-key"]',
          'req.headers["x-goog-api-key"]',
          '*.api_key',
          '*.apiKey',
          '*.master_key',
          '*.masterKey',
          '*.aws_secret_access_key',
          '*.client_secret',
          '*.azure_ad_token',
          '*.azure_password',
          '*.vertex_credentials',
          '*.clientSecret',
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

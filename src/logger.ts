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
  const raw = env.TOLLGATE_LOG_LEVEL ?? env.LITELLM_LOG ?? 'INFO';
  return LITELLM_LEVELS[raw.toUpperCase()] ?? raw.toLowerCase();
}

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
        ],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

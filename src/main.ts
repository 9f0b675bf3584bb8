#!/usr/bin/env node
/**
 * `tollgate`: starts the gateway on a LiteLLM-format config.yaml. The only module that reads
 * process.env and argv; everything else gets what it needs passed in.
 */
// First: it runs before any other module of the gateway is evaluated (see the module).
import './server/tick-warm-up.js';
import { Command, InvalidArgumentError } from 'commander';
import { createApp } from './app.js';
import { terminalIo } from './cli/cli-io.js';
import { listenDefaults } from './cli/listen-defaults.js';
import {
  databaseUrlFor,
  migrateDatabase,
  openGatewayStore,
  pruneSpendLogs,
} from './cli/database.js';
import { ConfigError } from './config/config-error.js';
import { tuneV8 } from './server/v8-tuning.js';
import { buildConfig, loadConfigFile } from './config/load-config.js';
import { createLogger, logLevelFrom } from './logger.js';
import { VERSION } from './version.js';
import { parseDuration, subtractDuration } from './util/duration.js';

interface StartOptions {
  config?: string;
  port: number;
  host: string;
  shutdownTimeout: number;
  detailedDebug?: boolean;
  /** False with --no-database. */
  database: boolean;
  adminPort?: number;
  adminHost?: string;
}

function parsePort(value: string): number {
  const port = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('must be a port number between 0 and 65535');
  }
  return port;
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new InvalidArgumentError('must be a number of seconds');
  return seconds;
}

const env = process.env;
const program = new Command()
  .name('tollgate')
  .description('Self-hosted LLM gateway: a drop-in replacement for the LiteLLM proxy.')
  .version(VERSION, '-v, --version')
  .option(
    '-c, --config <file>',
    'LiteLLM-format config.yaml (model_list, general_settings, ...)',
    env.TOLLGATE_CONFIG ?? env.CONFIG_FILE_PATH,
  )
  .option('-p, --port <port>', 'port to listen on (default: $PORT or 4000)', parsePort)
  .option('--host <host>', 'address to listen on', listenDefaults(env).host)
  .option(
    '--admin-port <port>',
    'serve the admin API (/key/*, /user/*, /team/*, ...) and health on this port only; the public port then answers 404 for admin routes (general_settings.admin_port, $TOLLGATE_ADMIN_PORT)',
    parsePort,
  )
  .option(
    '--admin-host <host>',
    'address of the admin listener (general_settings.admin_host; default: --host)',
  )
  .option(
    '--shutdown-timeout <seconds>',
    'on SIGTERM, how long in-flight requests may take to finish',
    parseSeconds,
    30,
  )
  .option('--detailed_debug', 'log at debug level (same as LITELLM_LOG=DEBUG)')
  .option(
    '--no-database',
    'run without a database: only the master key works; management routes answer "no db"',
  )
  .addHelpText(
    'after',
    `
Environment:
  LITELLM_MASTER_KEY / TOLLGATE_MASTER_KEY  master key when general_settings.master_key is unset
  LITELLM_LOG / TOLLGATE_LOG_LEVEL          DEBUG, INFO (default), WARNING or ERROR
  DATABASE_URL / TOLLGATE_DATABASE_URL      postgresql://... or sqlite:PATH (default sqlite:./tollgate.db);
                                            "none" runs without a database
  LITELLM_SALT_KEY / TOLLGATE_SALT_KEY      encrypts credentials of models added with /model/new
                                            (default: the master key); keep it unchanged
  TOLLGATE_MODEL_POLL_SECONDS               how often replicas look for model changes (default 10)
  REDIS_URL, or REDIS_HOST / REDIS_PORT / REDIS_PASSWORD (REDIS_USERNAME, REDIS_SSL)
                                            cluster mode: replicas share this Redis (router_settings.redis_*
                                            in the config wins); see docs/cluster.md
  TOLLGATE_REDIS_PREFIX                     prefix of Tollgate's Redis keys and channels (default tollgate:)
  PORT, HOST                                defaults for --port and --host
  CONFIG_FILE_PATH / TOLLGATE_CONFIG        default for --config
  TOLLGATE_ADMIN_PORT / TOLLGATE_ADMIN_HOST  admin listener when general_settings.admin_port/admin_host are unset
  DISABLE_ADMIN_ENDPOINTS=true              admin routes answer 404 on the public listener (LiteLLM's name)
  UI_USERNAME / UI_PASSWORD                 the web UI's admin sign-in at /ui (default admin / the master key)
  PROXY_BASE_URL, PROXY_LOGOUT_URL          invitation links and SSO callbacks; where sign-out leads
  SMTP_HOST, SMTP_PORT, SMTP_USERNAME, SMTP_PASSWORD, SMTP_SENDER_EMAIL, SMTP_TLS
                                            invitation emails; see docs/ui-auth.md
  GENERIC_CLIENT_ID, GENERIC_CLIENT_SECRET, GENERIC_ISSUER (or GENERIC_*_ENDPOINT), GOOGLE_*, MICROSOFT_*
                                            SSO sign-in to the web UI; see docs/sso.md
  JWT_PUBLIC_KEY_URL, JWT_AUDIENCE, JWT_ISSUER
                                            JWT auth for API calls (general_settings.enable_jwt_auth)
  OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME
                                            where trace spans of LLM calls go (litellm_settings.callbacks: ["otel"])
  SPEND_LOG_RUN_LOOPS                       batches of 1,000 spend log rows one retention run deletes at most (500)

Example:
  tollgate --config config.yaml --port 4000
  tollgate migrate --config config.yaml      apply database migrations and exit
  tollgate prune-spend-logs --older-than 90d delete spend log rows older than 90 days (--dry-run counts them)
  tollgate users list --url http://localhost:4000 --master-key sk-1234
                                             manage users, keys, teams, organizations, models and spend; apply manifests
                                             (TOLLGATE_URL / LITELLM_URL, TOLLGATE_MASTER_KEY / LITELLM_MASTER_KEY)
  curl localhost:4000/v1/chat/completions -H "Authorization: Bearer $LITELLM_MASTER_KEY" \\
    -H 'content-type: application/json' -d '{"model":"mock-gpt","messages":[{"role":"user","content":"hi"}]}'`,
  )
  .action(start);

async function start(options: StartOptions & { port?: number }): Promise<void> {
  const v8Flags = tuneV8(process.execArgv);
  if (options.port === undefined) {
    try {
      options.port = parsePort(listenDefaults(env).port);
    } catch {
      process.stderr.write(
        `tollgate: PORT=${env.PORT ?? ''} must be a port number between 0 and 65535\n`,
      );
      process.exit(1);
    }
  }
  const level = options.detailedDebug ? 'debug' : logLevelFrom(env);
  const logger = createLogger(level);
  logger.debug(
    `node: ${v8Flags.length > 0 ? v8Flags.join(' ') : 'V8 settings as given in its options'}`,
  );
  let config;
  try {
    config = options.config ? loadConfigFile(options.config, { env }) : buildConfig({}, env);
  } catch (error: unknown) {
    if (error instanceof ConfigError) {
      process.stderr.write(`tollgate: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  if (options.adminPort !== undefined) config.adminPort = options.adminPort;
  if (options.adminHost !== undefined) config.adminHost = options.adminHost;
  const adminHost = config.adminHost ?? options.host;
  if (
    config.adminPort !== undefined &&
    config.adminPort !== 0 &&
    config.adminPort === options.port
  ) {
    process.stderr.write(
      `tollgate: the admin port (${config.adminPort}) must differ from the public port\n`,
    );
    process.exit(1);
  }
  for (const warning of config.warnings) logger.warn(`config: ${warning}`);
  if (!options.config) {
    logger.warn(
      'no --config given: starting with no models. Add a model_list in a config.yaml (see config.example.yaml) and start with --config config.yaml',
    );
  } else if (config.deployments.length === 0) {
    logger.warn(
      `${options.config} has no models: add entries under model_list (see config.example.yaml)`,
    );
  }
  if (config.masterKey === undefined) {
    logger.warn(
      'NO MASTER KEY SET: every request is allowed without authentication. Set general_settings.master_key or LITELLM_MASTER_KEY.',
    );
  }

  const databaseUrl = databaseUrlFor(config.databaseUrl, options.database);
  let store;
  try {
    store = databaseUrl ? await openGatewayStore(databaseUrl, logger) : undefined;
  } catch (error: unknown) {
    process.stderr.write(`tollgate: cannot open the database: ${(error as Error).message}\n`);
    process.exit(1);
  }
  if (!store)
    logger.warn('no database: only the master key works; management routes answer "no db"');
  const app = await createApp({ config, logger, store });
  await app.server.listen({ port: options.port, host: options.host });
  logger.info(
    `Tollgate ${VERSION} listening on http://${options.host}:${options.port} with ${config.deployments.length} deployment(s)`,
  );
  if (config.adminPort !== undefined) {
    const admin = await app.listenAdmin({ port: config.adminPort, host: adminHost });
    logger.info(
      `admin API listening on http://${adminHost}:${admin.port}; the public listener answers 404 for admin routes`,
    );
  } else if (config.disableAdminRoutesOnPublicListener) {
    logger.info('admin routes are disabled: they answer 404');
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(
      `${signal}: no longer accepting requests; waiting up to ${options.shutdownTimeout}s for in-flight ones`,
    );
    const deadline = setTimeout(() => {
      logger.warn('shutdown deadline reached; closing the remaining connections');
      app.server.server.closeAllConnections();
      app.adminServer()?.closeAllConnections();
      process.exit(1);
    }, options.shutdownTimeout * 1000);
    deadline.unref();
    // Keep-alive connections go idle as their last response finishes: close them as they do,
    // so the process exits as soon as the work is done rather than at the deadline.
    const sweep = setInterval(() => app.server.server.closeIdleConnections(), 100);
    sweep.unref();
    void app
      .close()
      .then(() => store?.close())
      .then(
        () => {
          logger.info('shut down cleanly');
          logger.flush();
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'error while shutting down');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

program
  .command('migrate')
  .description(
    'apply database migrations to the configured database, print what was done, and exit',
  )
  .option(
    '-c, --config <file>',
    'config.yaml whose general_settings.database_url to use (else DATABASE_URL)',
    env.TOLLGATE_CONFIG ?? env.CONFIG_FILE_PATH,
  )
  .action(async (options: { config?: string }) => {
    let config;
    try {
      config = options.config ? loadConfigFile(options.config, { env }) : buildConfig({}, env);
    } catch (error: unknown) {
      if (!(error instanceof ConfigError)) throw error;
      process.stderr.write(`tollgate: ${error.message}\n`);
      process.exit(1);
    }
    const url = databaseUrlFor(config.databaseUrl, true);
    if (!url) {
      process.stderr.write('tollgate: database_url is "none": there is no database to migrate\n');
      process.exit(1);
    }
    for (const line of await migrateDatabase(url)) process.stdout.write(`${line}\n`);
  });

program
  .command('prune-spend-logs')
  .description(
    'delete the spend log rows older than a period (maximum_spend_logs_retention_period by default), print how many, and exit',
  )
  .option(
    '-c, --config <file>',
    'config.yaml whose database and retention settings to use (else DATABASE_URL)',
    env.TOLLGATE_CONFIG ?? env.CONFIG_FILE_PATH,
  )
  .option(
    '--older-than <duration>',
    'rows that started longer ago than this go: 90d, 12w, 6mo, 24h',
  )
  .option(
    '--daily-tags-older-than <duration>',
    'also the per-tag daily totals of days longer ago than this (else maximum_daily_tag_spend_retention_period)',
  )
  .option('--dry-run', 'count the rows that would go, delete nothing')
  .action(
    async (options: {
      config?: string;
      olderThan?: string;
      dailyTagsOlderThan?: string;
      dryRun?: boolean;
    }) => {
      const fail = (message: string): never => {
        process.stderr.write(`tollgate: ${message}\n`);
        process.exit(1);
      };
      let config;
      try {
        config = options.config ? loadConfigFile(options.config, { env }) : buildConfig({}, env);
      } catch (error: unknown) {
        if (!(error instanceof ConfigError)) throw error;
        return fail(error.message);
      }
      const before = (text: string | undefined, flag: string): Date | undefined => {
        if (text === undefined) return undefined;
        let duration;
        try {
          duration = parseDuration(text);
        } catch {
          duration = null;
        }
        if (!duration) {
          return fail(`${flag} "${text}" is not a duration; write e.g. 90d, 12w, 6mo or 24h`);
        }
        if (duration.amount <= 0) return fail(`${flag} must be longer than zero, e.g. 90d`);
        return new Date(subtractDuration(Date.now(), duration));
      };
      const retention = config.spendLog.retention;
      const cutoff =
        before(options.olderThan, '--older-than') ??
        (retention?.logs && new Date(subtractDuration(Date.now(), retention.logs.period)));
      const tagCutoff =
        before(options.dailyTagsOlderThan, '--daily-tags-older-than') ??
        (retention?.dailyTags &&
          new Date(subtractDuration(Date.now(), retention.dailyTags.period)));
      if (!cutoff && !tagCutoff) {
        fail(
          'say how old the rows to delete are: --older-than 90d, or general_settings.maximum_spend_logs_retention_period in --config',
        );
      }
      const url = databaseUrlFor(config.databaseUrl, true);
      if (!url) return fail('database_url is "none": there is no spend log to prune');
      const lines = await pruneSpendLogs(url, {
        cutoff,
        tagCutoff,
        dryRun: options.dryRun === true,
      });
      for (const line of lines) process.stdout.write(`${line}\n`);
    },
  );

/**
 * Whether the command line may name a subcommand (or asks for help): a bare word that is not the
 * value of a root option. Starting the gateway (`tollgate --config config.yaml`) does not, and
 * then the admin CLI and the operator are never loaded: a gateway process does not carry them.
 */
function mayNameACommand(root: Command, args: readonly string[]): boolean {
  const takesValue = new Set(
    root.options.filter((o) => o.required).flatMap((o) => [o.long, o.short]),
  );
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--help' || arg === '-h') return true;
    if (!arg.startsWith('-')) return true;
    if (takesValue.has(arg)) i++;
  }
  return false;
}

if (mayNameACommand(program, process.argv.slice(2))) {
  const [{ registerAdminCommands }, { registerOperatorCommand }] = await Promise.all([
    import('./cli/register.js'),
    import('./operator/operator-command.js'),
  ]);
  registerOperatorCommand(program, env);
  registerAdminCommands(
    program,
    terminalIo({
      env,
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      setExitCode: (code) => (process.exitCode = code),
      now: Date.now,
    }),
  );
}

program.enablePositionalOptions();
program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`tollgate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

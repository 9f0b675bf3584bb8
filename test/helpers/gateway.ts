/**
 * Starts a real gateway in-process on 127.0.0.1 for end-to-end tests: the same createApp the
 * `tollgate` command uses, on a config object written as it would be in config.yaml.
 */
import type { AddressInfo } from 'node:net';
import { createApp, type App } from '../../src/app.js';
import { buildConfig } from '../../src/config/load-config.js';
import { createLogger } from '../../src/logger.js';
import type { Store } from '../../src/store/store.js';

export interface TestGateway {
  url: string;
  /** The admin listener's URL, when the config sets `general_settings.admin_port` (use 0). */
  adminUrl?: string;
  app: App;
  close(): Promise<void>;
}

export interface StartGatewayOptions {
  env?: Record<string, string | undefined>;
  now?: () => number;
  random?: () => number;
  /** Receives the gateway's JSON log lines (at debug level) instead of discarding them. */
  logStream?: NodeJS.WritableStream;
  /** The store for keys, users and teams; the caller opens and closes it. */
  store?: Store;
}

export async function startGateway(
  config: Record<string, unknown>,
  options: StartGatewayOptions = {},
): Promise<TestGateway> {
  const gatewayConfig = buildConfig(structuredClone(config), { ...options.env });
  const logger = options.logStream
    ? createLogger('debug', options.logStream)
    : createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const app = await createApp({
    config: gatewayConfig,
    logger,
    now: options.now,
    random: options.random,
    store: options.store,
  });
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.server.address() as AddressInfo;
  const admin =
    gatewayConfig.adminPort === undefined
      ? undefined
      : await app.listenAdmin({ port: gatewayConfig.adminPort, host: '127.0.0.1' });
  return {
    url: `http://127.0.0.1:${port}`,
    adminUrl: admin && `http://127.0.0.1:${admin.port}`,
    app,
    close: () => app.close(),
  };
}

export const MASTER_KEY = 'sk-test-master-1234';

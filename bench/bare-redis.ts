// A duty for the bare proxy (bench/bare-proxy.ts --duty): a shared admission at its least, one
// Redis round trip before each upstream call. An exact limit shared by replicas must count the
// call in Redis and read the count back in one atomic step; this is the smallest such step, an
// EVALSHA of a script that increments the client's counter and returns it.
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { Call, Duty } from './bare-proxy.js';

const ADMIT_SCRIPT = "return redis.call('INCR', KEYS[1])";

/** Arguments: `--url <redis url> --prefix <key prefix of the run>`. */
export async function start(args: string[]): Promise<Duty> {
  const { values } = parseArgs({
    args,
    options: { url: { type: 'string' }, prefix: { type: 'string', default: 'bare-redis:' } },
  });
  const redis = new Redis(values.url ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  // Loaded once: each call then sends the script's digest, not its text.
  const sha = (await redis.script('LOAD', ADMIT_SCRIPT)) as string;
  return {
    admit: async (call: Call) => {
      await redis.evalsha(sha, 1, `${values.prefix}calls:${call.keyHash}`);
    },
    close: async () => {
      await redis.quit();
    },
  };
}

// The orchestrator's handle on the load-generator process: one job at a time, each bounded.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { FromLoadMessage, LoadJob, LoadResult } from './load-protocol.js';

/** Slack over a job's own duration (which already includes its drain) before giving up. */
const JOB_SLACK_MS = 20_000;
const START_TIMEOUT_MS = 20_000;

export class LoadClient {
  private nextId = 1;

  private constructor(private readonly child: ChildProcess) {}

  static async start(repoRoot: string): Promise<LoadClient> {
    const child = fork(join(repoRoot, 'bench', 'load.ts'), [], {
      cwd: repoRoot,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Structured clone keeps NaN (a percentile of no samples), which JSON would turn into null.
      serialization: 'advanced',
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('load generator did not start')),
        START_TIMEOUT_MS,
      );
      child.once('exit', (code) => reject(new Error(`load generator exited with code ${code}`)));
      child.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return new LoadClient(child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  run(job: LoadJob): Promise<LoadResult> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.child.off('message', onMessage);
        reject(new Error(`load job ${id} timed out`));
      }, job.durationMs + JOB_SLACK_MS);
      const onMessage = (raw: unknown): void => {
        const message = raw as FromLoadMessage;
        if (!('id' in message) || message.id !== id) return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        if ('result' in message) resolve(message.result);
        else reject(new Error(message.error));
      };
      this.child.on('message', onMessage);
      this.child.send({ id, job });
    });
  }

  stop(): void {
    if (this.child.connected) this.child.send({ id: 0, stop: true });
    this.child.disconnect?.();
  }
}

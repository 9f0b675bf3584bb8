/**
 * Writes an SSE response chunk by chunk with backpressure; a failure mid-stream ends with an error
 * event, never a silent 200.
 */
import type { ServerResponse } from 'node:http';
import type { ErrorBody } from '../errors/gateway-error.js';

export class SseResponse {
  private closed = false;

  constructor(private readonly res: ServerResponse) {
    res.on('close', () => {
      this.closed = true;
    });
  }

  get isClosed(): boolean {
    return this.closed || this.res.destroyed;
  }

  start(headers: Record<string, string>): void {
    this.res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
  }

  /** Writes raw SSE text; waits for the socket to drain when the client reads slowly. */
  async write(text: string): Promise<void> {
    if (this.isClosed) return;
    if (!this.res.write(text)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.res.off('drain', done);
          this.res.off('close', done);
          resolve();
        };
        this.res.on('drain', done);
        this.res.on('close', done);
      });
    }
  }

  data(json: string): Promise<void> {
    return this.write(`data: ${json}\n\n`);
  }

  async fail(body: ErrorBody): Promise<void> {
    await this.data(JSON.stringify(body));
    this.end();
  }

  /** The closing `[DONE]` and the end of the body go out in one write. */
  async done(): Promise<void> {
    if (!this.isClosed && !this.res.writableEnded) this.res.end('data: [DONE]\n\n');
  }

  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }
}

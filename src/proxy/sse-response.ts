/**
 * Writes an SSE response chunk by chunk with backpressure; a failure mid-stream ends with an error
 * event, never a silent 200.
 *
 * What is written within one turn of the event loop leaves in one socket write: the socket is
 * corked at the first write and uncorked once the turn's due work is done (`setImmediate`). When
 * an upstream's last chunks and its end arrive together, the client gets the headers, the events
 * and the end of the body in one packet instead of one per step, and no write waits on network
 * I/O: it goes out before the loop next blocks.
 */
import type { ServerResponse } from 'node:http';
import type { ErrorBody } from '../errors/gateway-error.js';

export class SseResponse {
  private closed = false;
  private corked = false;

  constructor(private readonly res: ServerResponse) {
    res.on('close', () => {
      this.closed = true;
    });
  }

  get isClosed(): boolean {
    return this.closed || this.res.destroyed;
  }

  /** Sends the status and `headers` with the SSE ones added (to that object: it is not copied). */
  start(headers: Record<string, string>): void {
    headers['content-type'] = 'text/event-stream; charset=utf-8';
    headers['cache-control'] = 'no-cache';
    headers.connection = 'keep-alive';
    headers['x-accel-buffering'] = 'no';
    this.res.writeHead(200, headers);
  }

  /** Writes SSE text or bytes as they are; waits for the socket to drain when the client reads slowly. */
  async write(text: string | Uint8Array): Promise<void> {
    if (this.isClosed) return;
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      setImmediate(this.uncork);
    }
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

  /** After `end()` the socket is flushed and uncorked already, and may serve the next response. */
  private readonly uncork = (): void => {
    this.corked = false;
    if (!this.res.writableEnded) this.res.uncork();
  };

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

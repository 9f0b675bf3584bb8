/**
 * Incremental newline-delimited JSON parser (Ollama's stream format): bytes in, parsed values out.
 * Lines and multi-byte characters may be split anywhere across network chunks; blank lines and
 * CRLF endings are tolerated.
 */
import { ProviderError } from '../types.js';

export class NdjsonDecoder {
  private buffer = '';
  private readonly textDecoder = new TextDecoder();

  /** `provider` names the upstream in the error thrown for a line that is not JSON. */
  constructor(private readonly provider: string) {}

  push(bytes: Uint8Array): unknown[] {
    this.buffer += this.textDecoder.decode(bytes, { stream: true });
    const values: unknown[] = [];
    let newline = this.buffer.indexOf('\n');
    while (newline !== -1) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      this.parseInto(line, values);
      newline = this.buffer.indexOf('\n');
    }
    return values;
  }

  /** The last line when the body did not end with a newline (servers may omit it). */
  flush(): unknown[] {
    const rest = this.buffer + this.textDecoder.decode();
    this.buffer = '';
    const values: unknown[] = [];
    this.parseInto(rest, values);
    return values;
  }

  private parseInto(line: string, values: unknown[]): void {
    const text = line.trim();
    if (text === '') return;
    try {
      values.push(JSON.parse(text));
    } catch {
      throw new ProviderError(
        'bad_response',
        `${this.provider} sent a stream line that is not JSON`,
        {
          status: 502,
        },
      );
    }
  }
}

/**
 * Incremental Server-Sent Events parser: bytes in, complete events out. Handles events split across
 * network chunks, CRLF line endings and multi-line `data:` fields.
 */
export interface SseEvent {
  event?: string;
  data: string;
}

export class SseDecoder {
  private buffer = '';
  private readonly textDecoder = new TextDecoder();

  push(bytes: Uint8Array): SseEvent[] {
    this.buffer += this.textDecoder.decode(bytes, { stream: true });
    const events: SseEvent[] = [];
    let boundary = this.findBoundary();
    while (boundary) {
      const block = this.buffer.slice(0, boundary.index);
      this.buffer = this.buffer.slice(boundary.index + boundary.length);
      const event = parseBlock(block);
      if (event) events.push(event);
      boundary = this.findBoundary();
    }
    return events;
  }

  /** Whatever was left without a terminating blank line (a cut stream, or a lenient server). */
  flush(): SseEvent[] {
    const rest = this.buffer + this.textDecoder.decode();
    this.buffer = '';
    const event = parseBlock(rest);
    return event ? [event] : [];
  }

  private findBoundary(): { index: number; length: number } | undefined {
    const lf = this.buffer.indexOf('\n\n');
    const crlf = this.buffer.indexOf('\r\n\r\n');
    if (lf === -1 && crlf === -1) return undefined;
    if (crlf !== -1 && (lf === -1 || crlf < lf)) return { index: crlf, length: 4 };
    return { index: lf, length: 2 };
  }
}

function parseBlock(block: string): SseEvent | undefined {
  let event: string | undefined;
  const data: string[] = [];
  for (const rawLine of block.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
  }
  if (data.length === 0 && event === undefined) return undefined;
  return { event, data: data.join('\n') };
}

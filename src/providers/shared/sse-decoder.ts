/**
 * Incremental Server-Sent Events parser: bytes in, complete events out. Handles events split across
 * network chunks, CRLF line endings and multi-line `data:` fields.
 */
import { isAscii } from 'node:buffer';
import { TextDecoder } from 'node:util';

export interface SseEvent {
  event?: string;
  data: string;
}

const CR = 13;
const LF = 10;

export class SseDecoder {
  /**
   * The text the last `push` or `flush` took its events from: every event it returned lies
   * within it, so one search of it answers for all of them.
   */
  lastText = '';
  private buffer = '';
  private textDecoder: TextDecoder | undefined;
  /** Bytes were decoded before the TextDecoder existed: a BOM after them is text, not a BOM. */
  private started = false;
  /** The last chunk may have ended inside a UTF-8 sequence that the TextDecoder holds. */
  private pending = false;

  /** Nothing is held back: no part of an event, no part of a character. */
  get idle(): boolean {
    return this.buffer === '' && !this.pending;
  }

  /** Whole events were taken from the stream without this decoder: a BOM after them is text. */
  passedOver(): void {
    this.started = true;
  }

  push(bytes: Uint8Array): SseEvent[] {
    const text = this.buffer + this.decode(bytes);
    this.lastText = text;
    if (!text.includes('\r')) return this.pushLf(text);
    const events: SseEvent[] = [];
    // One pass over the text: each separator is searched for once, not again from every event.
    let start = 0;
    let lf = text.indexOf('\n\n');
    let crlf = text.indexOf('\r\n\r\n');
    while (lf !== -1 || crlf !== -1) {
      const atCrlf = crlf !== -1 && (lf === -1 || crlf < lf);
      const end = atCrlf ? crlf : lf;
      const event = parseBlockAt(text, start, end);
      if (event) events.push(event);
      start = end + (atCrlf ? 4 : 2);
      if (lf !== -1 && lf < start) lf = text.indexOf('\n\n', start);
      if (crlf !== -1 && crlf < start) crlf = text.indexOf('\r\n\r\n', start);
    }
    this.buffer = start === 0 ? text : text.slice(start);
    return events;
  }

  /**
   * Text with LF line ends only (what nearly every provider sends): one search per event. The
   * first newline from an event's start ends it when another follows at once, and the event is
   * then a single line; otherwise the blank line is searched for from there.
   */
  private pushLf(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const newline = text.indexOf('\n', start);
      if (newline === -1) break;
      let end = newline;
      if (text.charCodeAt(newline + 1) !== LF) {
        end = text.indexOf('\n\n', newline + 1);
        if (end === -1) break;
      }
      const event =
        end === newline && text.startsWith('data: ', start)
          ? { event: undefined, data: text.slice(start + 6, end) }
          : parseBlock(text.slice(start, end));
      if (event) events.push(event);
      start = end + 2;
    }
    this.buffer = start === 0 ? text : text.slice(start);
    return events;
  }

  /** Whatever was left without a terminating blank line (a cut stream, or a lenient server). */
  flush(): SseEvent[] {
    const rest = this.buffer + (this.pending ? this.utf8().decode() : '');
    this.lastText = rest;
    this.buffer = '';
    this.pending = false;
    const event = parseBlockAt(rest, 0, rest.length);
    return event ? [event] : [];
  }

  /**
   * ASCII bytes (all of an English stream's JSON) are their own text: copied as Latin-1, ~10x
   * cheaper than a streaming TextDecoder call. Anything else goes through the TextDecoder, which
   * holds a character split across chunks until its last byte arrives.
   */
  private decode(bytes: Uint8Array): string {
    if (bytes.length === 0) return '';
    if (!this.pending && isAscii(bytes)) {
      this.started = true;
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    }
    const text = this.utf8().decode(bytes, { stream: true });
    this.started = true;
    // A sequence can only be left open by a chunk that ends in a non-ASCII byte.
    this.pending = (bytes[bytes.length - 1] ?? 0) >= 0x80;
    return text;
  }

  private utf8(): TextDecoder {
    this.textDecoder ??= new TextDecoder('utf-8', { ignoreBOM: this.started });
    return this.textDecoder;
  }
}

/** The event in `text` from `start` to `end` (exclusive), if the block holds one. */
function parseBlockAt(text: string, start: number, end: number): SseEvent | undefined {
  // Nearly every event is one `data: ` line: take its value without splitting the block.
  if (text.startsWith('data: ', start)) {
    const newline = text.indexOf('\n', start);
    if (newline === -1 || newline >= end) {
      const stop = text.charCodeAt(end - 1) === CR ? end - 1 : end;
      return { event: undefined, data: text.slice(start + 6, stop) };
    }
  }
  return parseBlock(text.slice(start, end));
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

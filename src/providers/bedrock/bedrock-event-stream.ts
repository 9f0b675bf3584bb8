/**
 * Incremental decoder of `application/vnd.amazon.eventstream`: bytes in, whole messages out.
 * Network chunks split frames anywhere, so bytes are buffered until the 4-byte big-endian total
 * length at the start of a frame says the frame is complete; the codec then checks both CRCs.
 */
import type { EventStreamCodec, Message } from '@smithy/eventstream-codec';
import { ProviderError } from '../types.js';

let codecModule: typeof import('@smithy/eventstream-codec') | undefined;
let utf8: typeof import('@smithy/util-utf8') | undefined;

/**
 * Loads the frame codec and its UTF-8 helpers (~1.5 MB of heap, and `@smithy/util-utf8` brings
 * `@smithy/core`, ~1.7 MB more). A streamed Bedrock call awaits it while its request is built, so
 * a gateway without Bedrock deployments never holds them.
 */
export async function loadEventStreamCodec(): Promise<void> {
  utf8 ??= await import('@smithy/util-utf8');
  codecModule ??= await import('@smithy/eventstream-codec');
}

/** The UTF-8 helpers loaded with the codec. */
function loadedUtf8(): typeof import('@smithy/util-utf8') {
  if (!utf8) throw new Error('loadEventStreamCodec() must have resolved first');
  return utf8;
}

/** The prelude (total length, headers length, CRC) and the trailing message CRC. */
const MIN_FRAME_BYTES = 16;
/** AWS caps event-stream messages at 16 MB; a larger length means the bytes are not frames. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

export class EventStreamDecoder {
  /** Made by the first frame: by then the call's request was built, which loaded the codec. */
  private codec: EventStreamCodec | undefined;
  private buffer: Uint8Array = new Uint8Array(0);

  push(bytes: Uint8Array): Message[] {
    // Copied, never aliased: the caller may reuse its chunk buffer after this returns.
    this.buffer = concat(this.buffer, bytes);
    const messages: Message[] = [];
    while (this.buffer.length >= 4) {
      const view = new DataView(this.buffer.buffer, this.buffer.byteOffset, 4);
      const total = view.getUint32(0, false);
      if (total < MIN_FRAME_BYTES || total > MAX_FRAME_BYTES) {
        throw new ProviderError('bad_response', `invalid event-stream frame length ${total}`);
      }
      if (this.buffer.length < total) break;
      messages.push(this.decodeFrame(this.buffer.subarray(0, total)));
      this.buffer = this.buffer.subarray(total);
    }
    return messages;
  }

  /** Bytes of a frame that has not arrived whole; non-zero at the end means a cut stream. */
  get pendingBytes(): number {
    return this.buffer.length;
  }

  private frameCodec(): EventStreamCodec {
    if (this.codec) return this.codec;
    if (!codecModule) throw new Error('loadEventStreamCodec() must have resolved first');
    const { toUtf8, fromUtf8 } = loadedUtf8();
    this.codec = new codecModule.EventStreamCodec(toUtf8, fromUtf8);
    return this.codec;
  }

  private decodeFrame(frame: Uint8Array): Message {
    const codec = this.frameCodec();
    try {
      return codec.decode(frame);
    } catch (error: unknown) {
      throw new ProviderError('bad_response', 'corrupt event-stream frame', { cause: error });
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function headerString(message: Message, name: string): string | undefined {
  const header = message.headers[name];
  return header?.type === 'string' ? header.value : undefined;
}

export function bodyText(message: Message): string {
  return loadedUtf8().toUtf8(message.body);
}

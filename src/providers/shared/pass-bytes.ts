/**
 * The stream decoder of binary answers (spoken audio): each network chunk is one event, its bytes
 * as they came. Nothing to decode, nothing that can end the stream early.
 */
import type { StreamDecoder } from '../types.js';

export function passBytes(): StreamDecoder<Uint8Array> {
  return {
    push: (bytes) => (bytes.length > 0 ? [{ chunk: bytes }] : []),
    end: () => [],
  };
}

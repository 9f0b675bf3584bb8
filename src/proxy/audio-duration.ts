/**
 * How long an uploaded recording lasts, read from its container (WAV, MP3, FLAC, Ogg/Opus, M4A,
 * WebM...) with `music-metadata`, loaded on the first transcription only. The duration bounds what
 * a transcription may cost before it is sent; when the file does not tell, its size does, at a
 * bitrate below any speech codec's usual one.
 */
import type { UploadedFile } from '../contracts/openai.js';

/** Bytes a second of the slowest audio a bound assumes (8 kbit/s). */
const SLOWEST_BYTES_PER_SECOND = 1000;

/** The recording's length in seconds, from its header; undefined when it cannot be read. */
export async function readAudioSeconds(file: UploadedFile): Promise<number | undefined> {
  try {
    const { parseBuffer } = await import('music-metadata');
    const { format } = await parseBuffer(
      file.bytes,
      { mimeType: file.contentType, size: file.bytes.length, path: file.filename },
      { duration: true, skipCovers: true },
    );
    const seconds = format.duration;
    return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0
      ? seconds
      : undefined;
  } catch {
    return undefined;
  }
}

/** The most seconds a file of this size could hold: what a transcription of it reserves. */
export function audioSecondsBound(file: UploadedFile, read: number | undefined): number {
  return read ?? file.bytes.length / SLOWEST_BYTES_PER_SECOND;
}

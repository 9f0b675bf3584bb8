/**
 * A WAV file of `seconds` of silence (16-bit PCM, mono, 8 kHz): what the mock provider says, and
 * what health checks of transcription models send.
 */
export function silentWav(seconds: number): Uint8Array {
  const rate = 8000;
  const data = Math.ceil(Math.max(0, seconds) * rate) * 2;
  const wav = Buffer.alloc(44 + data);
  wav.write('RIFF', 0, 'latin1');
  wav.writeUInt32LE(36 + data, 4);
  wav.write('WAVEfmt ', 8, 'latin1');
  wav.writeUInt32LE(16, 16); // fmt chunk size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28); // bytes per second
  wav.writeUInt16LE(2, 32); // block align
  wav.writeUInt16LE(16, 34); // bits per sample
  wav.write('data', 36, 'latin1');
  wav.writeUInt32LE(data, 40);
  return new Uint8Array(wav.buffer, wav.byteOffset, wav.byteLength);
}

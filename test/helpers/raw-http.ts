/**
 * One HTTP/1.1 request written byte for byte on a socket, for what fetch will not send: a `Host`
 * of one's choosing, an absolute-form target, an un-normalised path, invalid UTF-8, huge headers.
 */
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  head: string;
  body: string;
}

/** Sends `head` (lines without the final blank line) and `body`; resolves with the answer. */
export function rawRequest(
  url: string,
  head: string[],
  body: Buffer | string = '',
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('connect', () => {
      const lines = [...head, `content-length: ${payload.length}`, 'connection: close', '', ''];
      socket.write(Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), payload]));
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = split === -1 ? text : text.slice(0, split);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: split === -1 ? '' : text.slice(split + 4) });
    });
  });
}

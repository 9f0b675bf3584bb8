// A cheap OpenAI-compatible upstream for benchmarks. It runs in its own process so that its CPU
// is never charged to the gateway being measured; responses are built from small templates so
// that the mock stays far below the cost of any proxy in front of it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export interface MockUpstreamOptions {
  port: number;
  /** Content-bearing SSE chunks per streamed completion. */
  chunks: number;
  /** Pause between streamed chunks; 0 writes them back to back. */
  chunkDelayMs: number;
  embeddingDims: number;
}

interface ChatRequest {
  model?: unknown;
  stream?: unknown;
  stream_options?: { include_usage?: unknown } | null;
  input?: unknown;
}

const CREATED = 1_700_000_000;
const COMPLETION_TEXT = 'Hello! How can I help you today?';
const COMPLETION_TOKENS = 9;

/** A rough tokens-from-bytes estimate so large prompts report large usage, as a real API would. */
function promptTokens(bodyBytes: number): number {
  return Math.max(1, Math.round(bodyBytes / 4));
}

function usageJson(prompt: number, completion: number): string {
  return JSON.stringify({
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  });
}

function modelOf(request: ChatRequest): string {
  return typeof request.model === 'string' ? request.model : 'bench-model';
}

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function chatCompletion(request: ChatRequest, bodyBytes: number): string {
  const model = JSON.stringify(modelOf(request));
  const message = JSON.stringify({ role: 'assistant', content: COMPLETION_TEXT, refusal: null });
  return (
    `{"id":"chatcmpl-bench","object":"chat.completion","created":${CREATED},"model":${model},` +
    `"system_fingerprint":"fp_bench","choices":[{"index":0,"message":${message},` +
    `"logprobs":null,"finish_reason":"stop"}],` +
    `"usage":${usageJson(promptTokens(bodyBytes), COMPLETION_TOKENS)},"service_tier":"default"}`
  );
}

function streamEvents(request: ChatRequest, bodyBytes: number, chunks: number): string[] {
  const head = `{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":${CREATED},"model":${JSON.stringify(modelOf(request))},"system_fingerprint":"fp_bench","choices":`;
  const events: string[] = [];
  // Asked for usage, OpenAI puts `"usage":null` in every chunk and the counts in a last one.
  const usageAsked = request.stream_options?.include_usage === true;
  const tail = usageAsked ? ',"usage":null}' : '}';
  for (let i = 0; i < chunks; i++) {
    const delta = i === 0 ? { role: 'assistant', content: 'Hello' } : { content: ` tok${i}` };
    const choice = { index: 0, delta, logprobs: null, finish_reason: null };
    events.push(`data: ${head}${JSON.stringify([choice])}${tail}\n\n`);
  }
  events.push(
    `data: ${head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]${tail}\n\n`,
  );
  if (usageAsked) {
    events.push(`data: ${head}[],"usage":${usageJson(promptTokens(bodyBytes), chunks)}}\n\n`);
  }
  events.push('data: [DONE]\n\n');
  return events;
}

function writeStream(res: ServerResponse, events: string[], delayMs: number): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  if (delayMs <= 0) {
    for (const event of events) res.write(event);
    res.end();
    return;
  }
  let next = 0;
  const writeNext = (): void => {
    // A client that went away must not keep a timer chain alive.
    if (res.destroyed) return;
    const event = events[next++];
    if (event === undefined) {
      res.end();
      return;
    }
    res.write(event);
    setTimeout(writeNext, delayMs);
  };
  writeNext();
}

function embeddingList(request: ChatRequest, bodyBytes: number, vector: string): string {
  const inputs = Array.isArray(request.input) ? request.input.length : 1;
  const data: string[] = [];
  for (let i = 0; i < inputs; i++) {
    data.push(`{"object":"embedding","index":${i},"embedding":${vector}}`);
  }
  const tokens = promptTokens(bodyBytes);
  return (
    `{"object":"list","data":[${data.join(',')}],"model":${JSON.stringify(modelOf(request))},` +
    `"usage":{"prompt_tokens":${tokens},"total_tokens":${tokens}}}`
  );
}

function fixedVector(dims: number): string {
  const values: number[] = [];
  for (let i = 0; i < dims; i++) values.push(Math.round(Math.sin(i + 1) * 1e6) / 1e6);
  return JSON.stringify(values);
}

function handle(options: MockUpstreamOptions, vector: string) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const raw = Buffer.concat(parts);
      let request: ChatRequest;
      try {
        request = JSON.parse(raw.toString('utf8')) as ChatRequest;
      } catch {
        sendJson(res, 400, '{"error":{"message":"invalid JSON","type":"invalid_request_error"}}');
        return;
      }
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'POST' && path === '/v1/chat/completions') {
        if (request.stream === true) {
          writeStream(res, streamEvents(request, raw.length, options.chunks), options.chunkDelayMs);
        } else {
          sendJson(res, 200, chatCompletion(request, raw.length));
        }
      } else if (req.method === 'POST' && path === '/v1/embeddings') {
        sendJson(res, 200, embeddingList(request, raw.length, vector));
      } else {
        sendJson(res, 404, '{"error":{"message":"not found","type":"invalid_request_error"}}');
      }
    });
  };
}

export async function startMockUpstream(options: MockUpstreamOptions): Promise<{
  port: number;
  close: () => Promise<void>;
}> {
  const server = createServer(handle(options, fixedVector(options.embeddingDims)));
  // Longer than any client's keep-alive, so a pooled socket is never closed under a request.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { port, close };
}

function parseCli(): MockUpstreamOptions {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      chunks: { type: 'string', default: '8' },
      'chunk-delay-ms': { type: 'string', default: '0' },
      'embedding-dims': { type: 'string', default: '16' },
    },
  });
  return {
    port: Number(values.port),
    chunks: Math.max(1, Number(values.chunks)),
    chunkDelayMs: Math.max(0, Number(values['chunk-delay-ms'])),
    embeddingDims: Math.max(1, Number(values['embedding-dims'])),
  };
}

async function main(): Promise<void> {
  const { port, close } = await startMockUpstream(parseCli());
  process.on('SIGTERM', () => void close().then(() => process.exit(0)));
  // The parent reads this line to learn the port.
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`);
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) await main();

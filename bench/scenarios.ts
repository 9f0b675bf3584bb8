// The request shapes a run can measure. Each is one fixed body, sent unchanged to every target.

export interface Scenario {
  name: string;
  description: string;
  path: string;
  body: string;
  stream: boolean;
}

const MODEL = 'bench-model';
const LARGE_PROMPT_BYTES = 20_000;

function chatBody(content: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ model: MODEL, messages: [{ role: 'user', content }], ...extra });
}

/** Prose-like filler, so a gateway that counts tokens sees words rather than one long run. */
function filler(bytes: number): string {
  const sentence = 'The quick brown fox jumps over the lazy dog while the gateway forwards bytes. ';
  return sentence.repeat(Math.ceil(bytes / sentence.length)).slice(0, bytes);
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'chat',
    description: 'non-streaming chat completion, one short message',
    path: '/v1/chat/completions',
    body: chatBody('hello'),
    stream: false,
  },
  {
    name: 'stream',
    description: 'streaming chat completion with include_usage (SSE)',
    path: '/v1/chat/completions',
    body: chatBody('hello', { stream: true, stream_options: { include_usage: true } }),
    stream: true,
  },
  {
    name: 'embeddings',
    description: 'embedding of one short input',
    path: '/v1/embeddings',
    body: JSON.stringify({ model: MODEL, input: 'hello' }),
    stream: false,
  },
  {
    name: 'large',
    description: `non-streaming chat completion with a ~${LARGE_PROMPT_BYTES / 1000} kB prompt`,
    path: '/v1/chat/completions',
    body: chatBody(filler(LARGE_PROMPT_BYTES)),
    stream: false,
  },
];

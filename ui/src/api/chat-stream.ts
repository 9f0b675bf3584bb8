/**
 * A streamed chat completion with a virtual key, read as server-sent events. The session cookie
 * is not sent: the call is made, and billed, as the key.
 */

export interface ChatMessage {
  role: 'user' | 'assistant' | 'system';
  content: string;
}

export async function streamChat(
  request: { key: string; model: string; messages: ChatMessage[] },
  onText: (text: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const response = await fetch('/v1/chat/completions', {
    method: 'POST',
    credentials: 'omit',
    signal,
    headers: { authorization: `Bearer ${request.key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: request.model, messages: request.messages, stream: true }),
  });
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => undefined)) as
      { error?: { message?: string } } | undefined;
    throw new Error(body?.error?.message ?? `The model call failed (${response.status}).`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    const events = buffer.split('\n\n');
    buffer = events.pop() ?? '';
    for (const event of events) handleEvent(event, onText);
  }
  handleEvent(buffer, onText);
}

function handleEvent(event: string, onText: (text: string) => void): void {
  for (const line of event.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '' || data === '[DONE]') continue;
    const chunk = JSON.parse(data) as {
      choices?: { delta?: { content?: string | null } }[];
      error?: { message?: string };
    };
    if (chunk.error) throw new Error(chunk.error.message ?? 'The model failed mid-answer.');
    const text = chunk.choices?.[0]?.delta?.content;
    if (text) onText(text);
  }
}

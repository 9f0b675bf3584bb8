/**
 * The texts a guardrail reads in a request and in an answer, and the same request or answer with
 * those texts replaced (masked). Nothing is copied unless a text changes; then only the objects
 * on the way to it are, so the caller's body is never modified.
 *
 * Requests: `messages[].content` (a string, or the `text` of each part: OpenAI's and Anthropic's
 * content lists alike), Anthropic's `system`, the Responses API's `instructions` and `input`
 * (a string, strings, or items with content), `prompt` (text completions: a string or strings)
 * and `input` (embeddings, moderations). Answers: each choice's `message.content` (chat) or
 * `text` (text completions), Anthropic's `content` blocks, the Responses API's `output` items.
 * Token-id lists, images and tool calls are left as they are.
 */

/** Gives each text's replacement (the text itself when it stays). May throw to refuse it. */
export type TextMap = (text: string) => string;

type Json = Record<string, unknown>;

/** The request with `map` applied to every text it sends; the same object if none changed. */
export function mapRequestTexts<T extends object>(body: T, map: TextMap): T {
  const source = body as Json;
  let copy: Json | undefined;
  const set = (field: string, value: unknown): void => {
    if (value !== source[field]) (copy ??= { ...source })[field] = value;
  };
  if (Array.isArray(source.messages)) set('messages', mapArray(source.messages, map, mapMessage));
  set('system', mapContent(source.system, map));
  set(
    'instructions',
    typeof source.instructions === 'string' ? map(source.instructions) : source.instructions,
  );
  set('prompt', mapStrings(source.prompt, map));
  set('input', mapInput(source.input, map));
  return (copy ?? source) as T;
}

/**
 * The answer with `map` applied to its text: each choice's (OpenAI), the `content` blocks
 * (Anthropic's messages) or the `output` items' content (the Responses API); the same object if
 * none changed.
 */
export function mapAnswerTexts<T extends object>(answer: T, map: TextMap): T {
  const source = answer as Json;
  if (Array.isArray(source.content)) {
    const content = mapContent(source.content, map);
    return (content === source.content ? answer : { ...source, content }) as T;
  }
  if (Array.isArray(source.output)) {
    const output = mapInput(source.output, map);
    return (output === source.output ? answer : { ...source, output }) as T;
  }
  if (!Array.isArray(source.choices)) return answer;
  const choices = mapArray(source.choices, map, (choice, m) => {
    if (!isObject(choice)) return choice;
    let next = choice;
    if (isObject(choice.message)) {
      const message = mapMessage(choice.message, m);
      if (message !== choice.message) next = { ...next, message };
    }
    if (typeof choice.text === 'string') {
      const text = m(choice.text);
      if (text !== choice.text) next = { ...next, text };
    }
    return next;
  });
  return (choices === source.choices ? answer : { ...source, choices }) as T;
}

function mapMessage(message: unknown, map: TextMap): unknown {
  if (!isObject(message)) return message;
  const content = mapContent(message.content, map);
  return content === message.content ? message : { ...message, content };
}

/** A string, or a list of parts whose `text` is read (images and the like are left alone). */
function mapContent(content: unknown, map: TextMap): unknown {
  if (typeof content === 'string') return map(content);
  if (!Array.isArray(content)) return content;
  return mapArray(content, map, (part, m) => {
    if (typeof part === 'string') return m(part);
    if (!isObject(part) || typeof part.text !== 'string') return part;
    const text = m(part.text);
    return text === part.text ? part : { ...part, text };
  });
}

/** A string or a list of strings (a token-id list is not text). */
function mapStrings(value: unknown, map: TextMap): unknown {
  if (typeof value === 'string') return map(value);
  if (!Array.isArray(value)) return value;
  return mapArray(value, map, (item, m) => (typeof item === 'string' ? m(item) : item));
}

/** Embeddings' strings, or the Responses API's items (messages with content). */
function mapInput(value: unknown, map: TextMap): unknown {
  if (!Array.isArray(value)) return mapStrings(value, map);
  return mapArray(value, map, (item, m) => {
    if (typeof item === 'string') return m(item);
    return isObject(item) && 'content' in item ? mapMessage(item, m) : item;
  });
}

function mapArray(
  items: readonly unknown[],
  map: TextMap,
  each: (item: unknown, map: TextMap) => unknown,
): readonly unknown[] {
  let copy: unknown[] | undefined;
  items.forEach((item, i) => {
    const next = each(item, map);
    if (next !== item) (copy ??= [...items])[i] = next;
  });
  return copy ?? items;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

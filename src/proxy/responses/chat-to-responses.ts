/**
 * A chat completion → the Responses API `response` object, and the pieces the stream encoder
 * shares with it: ids, usage, the echo of the request's settings, and the final status.
 */
import type { ChatCompletion, Usage } from '../../contracts/openai.js';
import type {
  FunctionCallItem,
  MessageItem,
  OutputItem,
  ReasoningItem,
  ResponseObject,
  ResponsesRequest,
  ResponsesUsage,
} from '../../contracts/responses.js';

/** What a response echoes of its request, and the ids its items are named by. */
export interface ResponseFrame {
  /** The gateway's call id (a UUID): `resp_…`, `msg_…`, `fc_…` are derived from it. */
  callId: string;
  /** The model as the client named it. */
  model: string;
  request: ResponsesRequest;
  createdAt: number;
}

export function responseId(frame: ResponseFrame): string {
  return `resp_${frame.callId.replaceAll('-', '')}`;
}

export function itemId(frame: ResponseFrame, prefix: 'msg' | 'fc' | 'rs', index: number): string {
  return `${prefix}_${frame.callId.replaceAll('-', '')}${index === 0 ? '' : `_${index}`}`;
}

export function toResponsesUsage(usage: Usage | null | undefined): ResponsesUsage | null {
  if (!usage) return null;
  return {
    input_tokens: usage.prompt_tokens ?? 0,
    input_tokens_details: {
      cached_tokens:
        usage.prompt_tokens_details?.cached_tokens ?? usage.cache_read_input_tokens ?? 0,
    },
    output_tokens: usage.completion_tokens ?? 0,
    output_tokens_details: {
      reasoning_tokens: usage.completion_tokens_details?.reasoning_tokens ?? 0,
    },
    total_tokens: usage.total_tokens ?? (usage.prompt_tokens ?? 0) + (usage.completion_tokens ?? 0),
  };
}

/** A `response` object with no output yet: what `response.created` carries. */
export function responseShell(frame: ResponseFrame): ResponseObject {
  const r = frame.request;
  return {
    id: responseId(frame),
    object: 'response',
    created_at: frame.createdAt,
    status: 'in_progress',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: r.instructions ?? null,
    max_output_tokens: r.max_output_tokens ?? null,
    model: frame.model,
    output: [],
    parallel_tool_calls: r.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: r.reasoning?.effort ?? null, summary: null },
    store: false,
    temperature: r.temperature ?? null,
    text: { format: r.text?.format ?? { type: 'text' } },
    tool_choice: r.tool_choice ?? 'auto',
    tools: (r.tools ?? []).map(echoTool),
    top_p: r.top_p ?? null,
    truncation: 'disabled',
    usage: null,
    user: r.user ?? null,
    metadata: r.metadata ?? {},
  };
}

/** A function tool as the Responses API echoes it: every field present. */
function echoTool(tool: Record<string, unknown>): Record<string, unknown> {
  return {
    type: tool.type,
    name: tool.name,
    description: tool.description ?? null,
    parameters: tool.parameters ?? null,
    strict: tool.strict ?? true,
  };
}

/** The status a finished response ends in, from the chat finish reason. */
export function finalStatus(
  finishReason: string | null | undefined,
): Pick<ResponseObject, 'status' | 'incomplete_details'> {
  if (finishReason === 'length') {
    return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  }
  if (finishReason === 'content_filter') {
    return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  }
  return { status: 'completed', incomplete_details: null };
}

export function chatToResponse(completion: ChatCompletion, frame: ResponseFrame): ResponseObject {
  const choice = completion.choices.find((c) => c.index === 0) ?? completion.choices[0];
  const message = choice?.message;
  const output: OutputItem[] = [];
  const reasoning = message?.reasoning_content;
  if (typeof reasoning === 'string' && reasoning !== '') {
    const item: ReasoningItem = {
      type: 'reasoning',
      id: itemId(frame, 'rs', 0),
      summary: [],
      content: [{ type: 'reasoning_text', text: reasoning }],
    };
    output.push(item);
  }
  const text = typeof message?.content === 'string' ? message.content : '';
  const refusal = typeof message?.refusal === 'string' ? message.refusal : '';
  const calls = message?.tool_calls ?? [];
  if (text !== '' || refusal !== '' || calls.length === 0) {
    const item: MessageItem = {
      type: 'message',
      id: itemId(frame, 'msg', 0),
      status: choice?.finish_reason === 'length' ? 'incomplete' : 'completed',
      role: 'assistant',
      content: [],
    };
    if (refusal !== '') item.content.push({ type: 'refusal', refusal });
    if (text !== '' || refusal === '') {
      item.content.push({ type: 'output_text', text, annotations: [], logprobs: [] });
    }
    output.push(item);
  }
  calls.forEach((call, index) => {
    const item: FunctionCallItem = {
      type: 'function_call',
      id: itemId(frame, 'fc', index),
      call_id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
      status: 'completed',
    };
    output.push(item);
  });
  return {
    ...responseShell(frame),
    ...finalStatus(choice?.finish_reason),
    output,
    usage: toResponsesUsage(completion.usage),
  };
}

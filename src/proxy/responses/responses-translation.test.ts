import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatCompletion, ChatCompletionChunk } from '../../contracts/openai.js';
import type { ResponsesRequest } from '../../contracts/responses.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { chatToResponse, type ResponseFrame } from './chat-to-responses.js';
import { ResponsesStreamEncoder } from './responses-stream-encoder.js';
import { responsesToChatRequest } from './responses-to-chat.js';

const CALL_ID = '01a21ad1-0b22-70e7-97cf-9738e1dabb5d';

function frame(request: Partial<ResponsesRequest> = {}): ResponseFrame {
  return {
    callId: CALL_ID,
    model: 'm',
    request: { model: 'm', input: 'x', ...request },
    createdAt: 1,
  };
}

function chunk(delta: Record<string, unknown>, finish: string | null = null): ChatCompletionChunk {
  return {
    id: 'c',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish as never }],
  };
}

/** The events of an encoded stream, parsed, with their SSE event names checked. */
function events(text: string): Record<string, unknown>[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((block) => {
      const [eventLine, dataLine] = block.split('\n');
      const data = JSON.parse(dataLine!.slice('data: '.length)) as Record<string, unknown>;
      assert.equal(eventLine, `event: ${String(data.type)}`);
      return data;
    });
}

describe('responsesToChatRequest', () => {
  it('turns input items into chat messages, one assistant message per turn of calls', () => {
    const chat = responsesToChatRequest({
      model: 'm',
      instructions: 'sys',
      input: [
        { role: 'developer', content: 'dev rules' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] },
        { type: 'reasoning', id: 'rs_1', summary: [] },
        {
          type: 'message',
          role: 'assistant',
          content: [{ type: 'output_text', text: 'let me look' }],
        },
        { type: 'function_call', call_id: 'c1', name: 'a', arguments: '{}' },
        { type: 'function_call', call_id: 'c2', name: 'b', arguments: '{"x":1}' },
        { type: 'function_call_output', call_id: 'c1', output: 'A' },
        {
          type: 'function_call_output',
          call_id: 'c2',
          output: [{ type: 'input_text', text: 'B' }],
        },
        {
          role: 'user',
          content: [
            { type: 'input_text', text: 'see' },
            { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'low' },
          ],
        },
      ],
    });
    assert.deepEqual(chat.messages, [
      { role: 'system', content: 'sys' },
      { role: 'system', content: 'dev rules' },
      { role: 'user', content: 'hi' },
      {
        role: 'assistant',
        content: 'let me look',
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'a', arguments: '{}' } },
          { id: 'c2', type: 'function', function: { name: 'b', arguments: '{"x":1}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'A' },
      { role: 'tool', tool_call_id: 'c2', content: 'B' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'see' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA', detail: 'low' } },
        ],
      },
    ]);
  });

  it('maps the settings that have a chat equivalent, and the gateway fields', () => {
    const chat = responsesToChatRequest({
      model: 'm',
      input: 'hi',
      stream: true,
      max_output_tokens: 7,
      user: 'cust-1',
      metadata: { tags: ['t'] },
      tool_choice: { type: 'function', name: 'f' },
      text: { format: { type: 'json_object' } },
      mock_response: 'ok',
    });
    assert.equal(chat.max_tokens, 7);
    assert.equal(chat.user, 'cust-1');
    assert.deepEqual(chat.metadata, { tags: ['t'] });
    assert.deepEqual(chat.tool_choice, { type: 'function', function: { name: 'f' } });
    assert.deepEqual(chat.response_format, { type: 'json_object' });
    assert.deepEqual(chat.stream_options, { include_usage: true });
    assert.equal(chat.mock_response, 'ok');
  });

  it('refuses an empty conversation and malformed items with a 400 naming the field', () => {
    const refused = (body: Partial<ResponsesRequest>, param: string) =>
      assert.throws(
        () => responsesToChatRequest({ model: 'm', input: 'x', ...body } as ResponsesRequest),
        (e: unknown) => e instanceof GatewayError && e.status === 400 && e.param === param,
      );
    refused({ input: [] }, 'input');
    refused({ input: [{ type: 'function_call', name: 'a' }] }, 'input[0].call_id');
    refused({ input: [{ role: 'user', content: [null] as never }] }, 'input[0].content[0]');
    refused({ input: [{ role: 'user', content: 5 as never }] }, 'input[0].content');
    refused({ tool_choice: { type: 'file_search' } }, 'tool_choice');
    refused({ tools: [{ type: 'function' }] }, 'tools[0].name');
  });
});

describe('chatToResponse', () => {
  it('puts reasoning, text and calls in output order, and reports a cut answer as incomplete', () => {
    const completion: ChatCompletion = {
      id: 'c',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [
        {
          index: 0,
          finish_reason: 'length',
          message: {
            role: 'assistant',
            content: 'partial',
            reasoning_content: 'thinking',
            tool_calls: [
              { id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } },
            ],
          },
        },
      ],
      usage: {
        prompt_tokens: 5,
        completion_tokens: 3,
        total_tokens: 8,
        prompt_tokens_details: { cached_tokens: 2 },
        completion_tokens_details: { reasoning_tokens: 1 },
      },
    };
    const response = chatToResponse(completion, frame({ max_output_tokens: 3 }));
    assert.equal(response.status, 'incomplete');
    assert.deepEqual(response.incomplete_details, { reason: 'max_output_tokens' });
    assert.deepEqual(
      response.output.map((o) => o.type),
      ['reasoning', 'message', 'function_call'],
    );
    assert.deepEqual(response.usage, {
      input_tokens: 5,
      input_tokens_details: { cached_tokens: 2 },
      output_tokens: 3,
      output_tokens_details: { reasoning_tokens: 1 },
      total_tokens: 8,
    });
    assert.equal(response.id, `resp_${CALL_ID.replaceAll('-', '')}`);
  });
});

describe('ResponsesStreamEncoder', () => {
  it('numbers every event, opens and closes one item per run, and ends with the whole response', () => {
    const encoder = new ResponsesStreamEncoder(frame());
    let text = encoder.push(chunk({ role: 'assistant', reasoning_content: 'hmm' }));
    text += encoder.push(chunk({ content: 'Hel' }));
    text += encoder.push(chunk({ content: 'lo' }));
    text += encoder.push(
      chunk({
        tool_calls: [{ index: 0, id: 'call_9', function: { name: 'f', arguments: '{"a"' } }],
      }),
    );
    text += encoder.push(chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }));
    text += encoder.push(chunk({}, 'tool_calls'));
    text += encoder.end({ prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 });
    const all = events(text);
    assert.deepEqual(
      all.map((e) => e.sequence_number),
      all.map((_, i) => i),
    );
    assert.deepEqual(
      all.map((e) => e.type),
      [
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.reasoning_text.delta',
        'response.reasoning_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.output_item.added',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.done',
        'response.output_item.done',
        'response.completed',
      ],
    );
    const done = all.at(-1)!.response as {
      output: { type: string; output_index?: number; arguments?: string; call_id?: string }[];
      usage: { output_tokens: number };
    };
    assert.deepEqual(
      done.output.map((o) => o.type),
      ['reasoning', 'message', 'function_call'],
    );
    assert.equal(done.output[2]?.arguments, '{"a":1}');
    assert.equal(done.output[2]?.call_id, 'call_9');
    assert.equal(done.usage.output_tokens, 4);
    assert.equal(encoder.producedText(), 'hmmHello{"a":1}');
    assert.equal(encoder.end(), '', 'ends once');
  });

  it('ends a stream cut by max tokens as response.incomplete', () => {
    const encoder = new ResponsesStreamEncoder(frame());
    const text = encoder.push(chunk({ content: 'cut' }, 'length')) + encoder.end();
    const last = events(text).at(-1)!;
    assert.equal(last.type, 'response.incomplete');
    assert.deepEqual((last.response as { incomplete_details: unknown }).incomplete_details, {
      reason: 'max_output_tokens',
    });
  });

  it('writes an error event with OpenAI fields and an error object the SDKs raise on', () => {
    const encoder = new ResponsesStreamEncoder(frame());
    const [start, error] = [
      encoder.push(chunk({ content: 'a' })),
      encoder.error('boom', '500', 'api_error'),
    ];
    const event = events(start + error).at(-1)!;
    assert.equal(event.type, 'error');
    assert.equal(event.message, 'boom');
    assert.deepEqual(event.error, { type: 'api_error', code: '500', message: 'boom', param: null });
    assert.equal(encoder.end(), '', 'nothing after the error');
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment } from '../../contracts/deployment.js';
import { ProviderError } from '../types.js';
import {
  buildNativeMessagesRequest,
  createNativeStreamTap,
  readNativeResponse,
  supportsNativeMessages,
} from './native.js';

const deployment: Deployment = {
  id: 'd1',
  modelName: 'claude',
  provider: 'anthropic',
  model: 'claude-sonnet-4-5',
  apiBase: 'http://127.0.0.1:9/v1',
  apiKey: 'sk-ant-1',
  headers: { 'x-extra': '1' },
  connection: {},
  defaults: { temperature: 0.3, stop: 'END', max_completion_tokens: 50 },
  weight: 1,
  modelInfo: { id: 'd1', access_groups: [] },
};

describe('native pass-through', () => {
  it('applies only to anthropic deployments', () => {
    assert.equal(supportsNativeMessages(deployment), true);
    assert.equal(supportsNativeMessages({ ...deployment, provider: 'openai' }), false);
  });

  it('sends the body as is with model, defaults and headers, minus gateway fields', () => {
    const upstream = buildNativeMessagesRequest(
      {
        model: 'claude',
        max_tokens: 10,
        messages: [{ role: 'user', content: [{ type: 'future_block', x: 1 }] }],
        temperature: 0.9,
        metadata: { user_id: 'u1', tags: ['t'] },
        mock_response: 'x',
        new_anthropic_field: true,
      },
      deployment,
      { clientHeaders: { 'anthropic-version': '2024-01-01', 'anthropic-beta': ['a', 'b'] } },
    );
    assert.equal(upstream.url, 'http://127.0.0.1:9/v1/messages');
    assert.deepEqual(upstream.headers, {
      'content-type': 'application/json',
      'anthropic-version': '2024-01-01',
      'x-api-key': 'sk-ant-1',
      'x-extra': '1',
      'anthropic-beta': 'a,b',
    });
    assert.deepEqual(JSON.parse(upstream.body ?? ''), {
      temperature: 0.9,
      max_tokens: 10,
      stop_sequences: ['END'],
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: [{ type: 'future_block', x: 1 }] }],
      metadata: { user_id: 'u1' },
      new_anthropic_field: true,
    });
  });

  it('reads usage from a non-streamed answer', () => {
    const body = JSON.stringify({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 3, output_tokens: 4, cache_read_input_tokens: 10 },
    });
    const summary = readNativeResponse(body);
    assert.equal(summary.model, 'claude-sonnet-4-5');
    assert.equal(summary.usage.prompt_tokens, 13);
    assert.equal(summary.usage.completion_tokens, 4);
    assert.throws(() => readNativeResponse('nope'), ProviderError);
  });

  it('taps a forwarded stream for usage and completeness', () => {
    const frames = [
      'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","model":"claude-x","usage":{"input_tokens":9,"output_tokens":1}}}\n\n',
      'event: ping\ndata: {"type":"ping"}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":6}}\n\n',
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    ];
    const tap = createNativeStreamTap();
    const bytes = new TextEncoder().encode(frames.join(''));
    tap.push(bytes.slice(0, 50));
    tap.push(bytes.slice(50));
    const summary = tap.end();
    assert.equal(summary.complete, true);
    assert.equal(summary.stopReason, 'end_turn');
    assert.equal(summary.model, 'claude-x');
    assert.equal(summary.usage.prompt_tokens, 9);
    assert.equal(summary.usage.completion_tokens, 6);

    const cut = createNativeStreamTap();
    cut.push(new TextEncoder().encode(frames[0] ?? ''));
    const error =
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';
    cut.push(new TextEncoder().encode(error));
    const cutSummary = cut.end();
    assert.equal(cutSummary.complete, false);
    assert.equal(cutSummary.error?.kind, 'server');
  });
});

/**
 * Chat calls to a `text-completion-openai/` deployment (an instruct model that only answers
 * `/completions`), as LiteLLM serves them: the messages' text becomes the prompt and the
 * `text_completion` answer comes back as a chat answer, streamed or not, with its usage and cost.
 * OpenAI is simulated; the client is the official OpenAI SDK.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startOpenAiSimulator } from './simulators/openai-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';

describe('chat with a text-completion-openai deployment', () => {
  let openai: Simulator;
  let gateway: TestGateway;
  let sdk: OpenAI;

  before(async () => {
    openai = await startOpenAiSimulator({ apiKey: 'sk-upstream' });
    gateway = await startGateway({
      model_list: [
        {
          model_name: 'instruct',
          litellm_params: {
            model: 'text-completion-openai/gpt-3.5-turbo-instruct',
            api_base: `${openai.url}/v1`,
            api_key: 'sk-upstream',
          },
        },
      ],
      general_settings: { master_key: MASTER_KEY },
    });
    sdk = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    await openai?.close();
  });

  it('sends the messages as the prompt to /completions and answers as chat', async () => {
    const { data, response } = await sdk.chat.completions
      .create({
        model: 'instruct',
        messages: [
          { role: 'system', content: 'Answer briefly.' },
          { role: 'user', content: [{ type: 'text', text: 'Name a colour.' }] },
        ],
        max_tokens: 20,
      })
      .withResponse();
    const sent = openai.requests.at(-1)!;
    assert.equal(sent.path, '/v1/completions');
    const body = sent.body as Record<string, unknown>;
    assert.equal(body.prompt, 'Answer briefly.\nName a colour.');
    assert.equal(body.messages, undefined);
    assert.equal(body.max_tokens, 20);
    assert.equal(data.object, 'chat.completion');
    assert.equal(data.choices[0]?.message.role, 'assistant');
    assert.ok((data.choices[0]?.message.content ?? '').length > 0);
    assert.ok(data.usage && data.usage.completion_tokens > 0);
    assert.ok(Number(response.headers.get('x-litellm-response-cost')) > 0, 'priced as OpenAI');
  });

  it('streams the completion as chat chunks, with the usage', async () => {
    const stream = await sdk.chat.completions.create({
      model: 'instruct',
      messages: [{ role: 'user', content: 'Tell me a story.' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      assert.equal(chunk.object, 'chat.completion.chunk');
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    assert.ok(text.length > 0);
    assert.equal(finish, 'stop');
    assert.ok(usage && usage.completion_tokens > 0);
    assert.equal(openai.requests.at(-1)?.path, '/v1/completions');
  });
});

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countTokens, encodeChat } from 'gpt-tokenizer';
import { seededRandom } from '../../test/helpers/seeded-random.js';
import type { ChatMessage } from '../contracts/openai.js';
import { answerMockRequest } from '../providers/mock/mock-upstream.js';
import {
  IMAGE_MAX_TOKENS,
  countChatPromptTokens,
  countTextTokens,
  promptTokenUpperBound,
} from './token-count.js';

/** The prompt tokens the built-in mock provider reports for a request body. */
async function mockPromptTokens(path: string, body: Record<string, unknown>): Promise<number> {
  const reply = answerMockRequest(
    `mock://mock${path}`,
    {},
    JSON.stringify({ model: 'm', ...body }),
  );
  let text = '';
  for await (const part of reply.body) text += Buffer.from(part).toString();
  return (JSON.parse(text) as { usage: { prompt_tokens: number } }).usage.prompt_tokens;
}

const POOLS = [
  'abcdefghijklmnopqrstuvwxyz      ,.;:!?\n\t"\\{}[]()0123456789',
  '的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生会自',
  'こんにちは世界カタカナひらがな한국어텍스트',
  '😀🎉🚀👍🏽👨‍👩‍👧‍👦🇫🇷✨🔥',
  'ÀÉÎÕÜçñßøåæœ€£¥—–…«»',
];

function randomText(random: () => number, length: number): string {
  let text = '';
  while (text.length < length) {
    const pool = POOLS[Math.floor(random() * POOLS.length)] ?? '';
    const chars = [...pool];
    const run = 1 + Math.floor(random() * 12);
    for (let i = 0; i < run; i++) text += chars[Math.floor(random() * chars.length)] ?? '';
  }
  return text;
}

/** A PNG of a few hundred bytes, as a data URL. */
const SMALL_IMAGE = `data:image/png;base64,${'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ'.repeat(30)}`;

const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather in a city, in °C',
      parameters: {
        type: 'object',
        properties: {
          city: { type: 'string', description: '城市名称' },
          days: { type: 'integer', minimum: 1 },
        },
        required: ['city'],
      },
    },
  },
];

function fixedCases(): ChatMessage[][] {
  return [
    [{ role: 'user', content: 'Hello!' }],
    [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: '请用中文解释量子纠缠，并给出三个例子。' },
    ],
    [{ role: 'user', content: '🎉🎉🎉 emoji party 👨‍👩‍👧‍👦 🇫🇷 ✨'.repeat(20) }],
    [
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris","days":3}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21,"sky":"clear"}' },
    ],
    [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'image_url', image_url: { url: SMALL_IMAGE, detail: 'high' } },
        ],
      },
    ],
    [{ role: 'user', content: 'a'.repeat(5000) }],
    [{ role: 'user', content: ' '.repeat(3000) + '\n'.repeat(1000) }],
  ];
}

function randomCases(count: number): ChatMessage[][] {
  const random = seededRandom(20260115);
  const roles = ['system', 'user', 'assistant'];
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + Math.floor(random() * 5) }, () => ({
      role: roles[Math.floor(random() * roles.length)] ?? 'user',
      content: randomText(random, Math.floor(random() * 800)),
    })),
  );
}

describe('promptTokenUpperBound', () => {
  test('is at least what the tokenizer counts and what the mock provider reports', async () => {
    for (const messages of [...fixedCases(), ...randomCases(60)]) {
      const bound = promptTokenUpperBound({ model: 'm', messages });
      const counted = await countChatPromptTokens(messages);
      const mock = await mockPromptTokens('/v1/chat/completions', { messages });
      const label = JSON.stringify(messages).slice(0, 80);
      assert.ok(bound >= counted, `${label}: bound ${bound} < tokenizer ${counted}`);
      assert.ok(bound >= mock, `${label}: bound ${bound} < mock ${mock}`);
    }
  });

  test('counts tool definitions and structured output schemas', async () => {
    const messages: ChatMessage[] = [{ role: 'user', content: 'Weather?' }];
    const plain = promptTokenUpperBound({ messages });
    const withTools = promptTokenUpperBound({ messages, tools: TOOLS });
    assert.ok(
      withTools - plain >=
        (await countChatPromptTokens(messages, TOOLS)) - (await countChatPromptTokens(messages)),
    );
    const schema = {
      type: 'json_schema',
      json_schema: { name: 'answer', schema: TOOLS[0]?.function.parameters },
    };
    assert.ok(promptTokenUpperBound({ messages, response_format: schema }) > plain);
  });

  test('text completions and embeddings, text or token ids', async () => {
    const random = seededRandom(7);
    for (let i = 0; i < 20; i++) {
      const prompt = randomText(random, 50 + Math.floor(random() * 500));
      const bound = promptTokenUpperBound({ prompt });
      assert.ok(bound >= (await countTextTokens(prompt)));
      assert.ok(bound >= (await mockPromptTokens('/v1/completions', { prompt })));
      const input = [prompt, randomText(random, 40)];
      const inputBound = promptTokenUpperBound({ input });
      assert.ok(inputBound >= (await mockPromptTokens('/v1/embeddings', { input })));
    }
    const ids = Array.from({ length: 500 }, (_, i) => 100_000 + i);
    assert.ok(promptTokenUpperBound({ prompt: ids }) >= ids.length);
    assert.ok(
      promptTokenUpperBound({ input: ids }) >=
        (await mockPromptTokens('/v1/embeddings', { input: ids })),
    );
    const batches = [ids.slice(0, 100), ids.slice(100)];
    assert.ok(
      promptTokenUpperBound({ input: batches }) >=
        (await mockPromptTokens('/v1/embeddings', { input: batches })),
    );
  });

  test('Anthropic messages: system, content blocks, tool use and results', async () => {
    const body = {
      system: [{ type: 'text', text: 'Réponds en français. 日本語も大丈夫。' }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Quel temps à Paris ? 🌦️' }] },
        {
          role: 'assistant',
          content: [
            {
              type: 'tool_use',
              id: 'tu_1',
              name: 'get_weather',
              input: { city: 'Paris', days: 3 },
            },
          ],
        },
        {
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: '{"temp":21}' }],
        },
      ],
      tools: [{ name: 'get_weather', input_schema: TOOLS[0]?.function.parameters }],
    };
    const flattened: ChatMessage[] = [
      { role: 'system', content: body.system[0]?.text ?? '' },
      ...body.messages.map((m) => ({ role: m.role, content: JSON.stringify(m.content) })),
    ];
    assert.ok(promptTokenUpperBound(body) >= (await countChatPromptTokens(flattened, body.tools)));
  });

  test('an image counts as an image, not as the bytes of its file', () => {
    const text = [{ type: 'text', text: 'Describe it.' }];
    const withoutImage = promptTokenUpperBound({ messages: [{ role: 'user', content: text }] });
    const huge = `data:image/jpeg;base64,${'A'.repeat(2_000_000)}`;
    const inline = promptTokenUpperBound({
      messages: [
        { role: 'user', content: [...text, { type: 'image_url', image_url: { url: huge } }] },
      ],
    });
    assert.ok(inline - withoutImage <= IMAGE_MAX_TOKENS + 10, 'a 2 MB image is capped');
    assert.ok(inline - withoutImage >= IMAGE_MAX_TOKENS, 'and counts the whole allowance');
    const remote = promptTokenUpperBound({
      messages: [
        {
          role: 'user',
          content: [
            ...text,
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          ],
        },
      ],
    });
    assert.ok(
      remote - withoutImage >= IMAGE_MAX_TOKENS,
      'a remote image of unknown size counts the allowance',
    );
    const anthropic = promptTokenUpperBound({
      messages: [
        {
          role: 'user',
          content: [
            ...text,
            {
              type: 'image',
              source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(2_000_000) },
            },
          ],
        },
      ],
    });
    assert.equal(anthropic, inline);
  });

  test('audio and documents count their bytes, which bound their tokens', () => {
    const data = 'U'.repeat(100_000);
    const bound = promptTokenUpperBound({
      messages: [
        { role: 'user', content: [{ type: 'input_audio', input_audio: { data, format: 'wav' } }] },
      ],
    });
    assert.ok(bound >= data.length);
  });

  test('survives any nesting and any body', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    assert.ok(promptTokenUpperBound({ messages: [{ role: 'user', content: deep }] }) > 200_000);
    assert.equal(typeof promptTokenUpperBound(null), 'number');
    assert.equal(typeof promptTokenUpperBound('text'), 'number');
  });
});

describe('tokenizer counts', () => {
  test('text', async () => {
    assert.equal(await countTextTokens(''), 0);
    assert.equal(await countTextTokens('hello world'), 2);
  });

  test('tool calls count their name and arguments; image parts are not text', async () => {
    const ask: ChatMessage = { role: 'user', content: 'Weather?' };
    const call: ChatMessage = {
      role: 'assistant',
      content: null,
      tool_calls: [
        {
          id: 'c',
          type: 'function',
          function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
        },
      ],
    };
    const empty: ChatMessage = { role: 'assistant', content: null };
    assert.ok(
      (await countChatPromptTokens([ask, call])) > (await countChatPromptTokens([ask, empty])),
    );
    const pictured: ChatMessage = {
      role: 'user',
      content: [
        { type: 'text', text: 'Weather?' },
        { type: 'image_url', image_url: { url: SMALL_IMAGE } },
      ],
    };
    assert.equal(await countChatPromptTokens([pictured]), await countChatPromptTokens([ask]));
  });
});

describe('counting long texts', () => {
  test('an ordinary text counted in slices: exactly what the tokenizer counts for it whole', async () => {
    const random = seededRandom(20261126);
    for (const length of [20_000, 50_000, 150_000]) {
      const text = randomText(random, length);
      assert.equal(await countTextTokens(text), countTokens(text), `${length} characters`);
    }
    const prose = 'The quick brown fox jumps\nover the lazy dog.\t  Twice!  \n\n'.repeat(4000);
    assert.equal(await countTextTokens(prose), countTokens(prose));
  });

  test('a conversation counts what OpenAI’s chat format encodes, message by message', async () => {
    for (const messages of [...fixedCases().slice(0, 3), ...randomCases(20)]) {
      const chat = messages.map((m) => ({ role: m.role, content: m.content as string }));
      assert.equal(await countChatPromptTokens(messages), encodeChat(chat, 'gpt-4o').length);
    }
  });

  // One run of a character class is one pre-token, which the tokenizer merges in quadratic time:
  // counted whole, 100,000 "a"s took ~10 s and 100,000 CJK characters ~80 s.
  const RUNS: [string, string, number][] = [
    ['letters', 'a', 300_000],
    ['CJK', '漢', 150_000],
    ['spaces', ' ', 300_000],
    ['punctuation', '!', 300_000],
    ['emoji', '😀', 100_000],
  ];
  for (const [name, unit, times] of RUNS) {
    test(`a run of ${times.toLocaleString('en')} ${name}: counted in well under seconds, about as its pieces count`, async () => {
      const started = performance.now();
      const counted = await countTextTokens(unit.repeat(times));
      const elapsed = performance.now() - started;
      assert.ok(elapsed < 3_000, `${elapsed.toFixed(0)} ms`);
      // The tokenizer's own count of 1,280 units (10 pieces), scaled: within 2%.
      const scaled = (countTokens(unit.repeat(1_280)) * times) / 1_280;
      assert.ok(Math.abs(counted - scaled) <= scaled * 0.02 + 2, `${counted} against ~${scaled}`);
    });
  }

  test('the event loop keeps turning while a long text is counted', async () => {
    const text = '漢'.repeat(100_000) + ' lorem ipsum dolor'.repeat(30_000) + 'a'.repeat(100_000);
    let last = performance.now();
    let longest = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 2);
    try {
      await countTextTokens(text);
    } finally {
      clearInterval(timer);
    }
    assert.ok(longest < 100, `the event loop stood still for ${longest.toFixed(0)} ms`);
  });
});

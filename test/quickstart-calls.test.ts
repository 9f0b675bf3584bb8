/**
 * The calls docs/quickstart.md shows, made with the official openai SDK against the example
 * config it starts the gateway with (config.example.yaml): each answers offline from the
 * built-in mock, as the guide says.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { parse } from 'yaml';
import { startGateway, type TestGateway } from './helpers/gateway.js';

const example = parse(readFileSync(new URL('../config.example.yaml', import.meta.url), 'utf8')) as {
  general_settings: { master_key: string };
};

describe("the quickstart's calls against config.example.yaml", () => {
  let gateway: TestGateway;
  before(async () => {
    gateway = await startGateway(example as unknown as Record<string, unknown>);
  });
  after(() => gateway?.close());
  const client = () =>
    new OpenAI({
      baseURL: `${gateway.url}/v1`,
      apiKey: example.general_settings.master_key,
      maxRetries: 0,
    });

  it('chats, streams, embeds and answers the Responses API', async () => {
    const completion = await client().chat.completions.create({
      model: 'mock-gpt',
      messages: [{ role: 'user', content: 'Hello!' }],
    });
    assert.match(completion.choices[0]?.message.content ?? '', /Hello!/);
    const stream = await client().chat.completions.create({
      model: 'mock-gpt',
      messages: [{ role: 'user', content: 'Stream, please.' }],
      stream: true,
    });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.match(text, /Stream, please\./);
    const embedding = await client().embeddings.create({ model: 'mock-embedding', input: 'hello' });
    assert.ok((embedding.data[0]?.embedding.length ?? 0) > 0);
    const response = await client().responses.create({ model: 'mock-gpt', input: 'Hello!' });
    assert.match(response.output_text, /Hello!/);
  });

  it('draws, speaks and transcribes what it spoke', async () => {
    const image = await client().images.generate({ model: 'mock-gpt', prompt: 'a lighthouse' });
    assert.match(image.data?.[0]?.url ?? '', /^data:image\/png;base64,/);
    const speech = await client().audio.speech.create({
      model: 'mock-gpt',
      voice: 'alloy',
      input: 'Hello!',
      response_format: 'wav',
    });
    const wav = Buffer.from(await speech.arrayBuffer());
    assert.equal(wav.subarray(0, 4).toString('latin1'), 'RIFF');
    const transcript = await client().audio.transcriptions.create({
      model: 'mock-gpt',
      file: await OpenAI.toFile(wav, 'hello.wav'),
    });
    assert.equal(transcript.text, 'This is a mock transcription.');
  });
});

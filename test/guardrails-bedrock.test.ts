/**
 * LiteLLM's Bedrock guardrail (`guardrail: bedrock`) through a real gateway, with the official
 * OpenAI SDK as the client, an OpenAI simulator upstream that echoes what it was sent, and an
 * ApplyGuardrail simulator that checks SigV4 as AWS does: a denied topic refused with LiteLLM's
 * `Violated guardrail policy`, e-mail addresses anonymized, answers checked as OUTPUT, Bedrock's
 * own errors passed on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { ConfigError } from '../src/config/config-error.js';
import { buildConfig } from '../src/config/load-config.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { echoingModel, refusal } from './helpers/guardrail-calls.js';
import {
  BLOCKED_MESSAGE,
  GUARDRAIL_ID,
  startBedrockGuardrailSimulator,
} from './simulators/bedrock-guardrail-simulator.js';
import type { Simulator } from './simulators/simulator-server.js';
import { startOpenAiSimulator } from './simulators/openai-simulator.js';

const AWS = {
  accessKeyId: 'AKIDGUARDRAIL',
  secretAccessKey: 'guardrail-secret',
  region: 'eu-west-1',
};

describe('the Bedrock guardrail', () => {
  let upstream: Simulator;
  let bedrock: Simulator;
  let gateway: TestGateway;
  let openai: OpenAI;

  before(async () => {
    upstream = await startOpenAiSimulator({ apiKey: 'sk-upstream' });
    bedrock = await startBedrockGuardrailSimulator(AWS);
    const params = {
      guardrail: 'bedrock',
      guardrailIdentifier: GUARDRAIL_ID,
      guardrailVersion: 1,
      aws_bedrock_runtime_endpoint: bedrock.url,
    };
    gateway = await startGateway(
      {
        model_list: [echoingModel(upstream)],
        guardrails: [
          // Keys and region from the AWS_* variables.
          {
            guardrail_name: 'aws-input',
            litellm_params: { ...params, mode: 'pre_call', default_on: true },
          },
          {
            guardrail_name: 'aws-output',
            litellm_params: {
              ...params,
              mode: 'post_call',
              aws_access_key_id: AWS.accessKeyId,
              aws_secret_access_key: AWS.secretAccessKey,
              aws_region_name: AWS.region,
            },
          },
          {
            guardrail_name: 'aws-missing',
            litellm_params: { ...params, guardrailIdentifier: 'gr-gone', mode: 'pre_call' },
          },
        ],
        general_settings: { master_key: MASTER_KEY },
      },
      {
        env: {
          AWS_ACCESS_KEY_ID: AWS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: AWS.secretAccessKey,
          AWS_REGION: AWS.region,
        },
      },
    );
    openai = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    await upstream?.close();
    await bedrock?.close();
  });

  const chat = (
    messages: OpenAI.ChatCompletionMessageParam[],
    extra: Record<string, unknown> = {},
  ) =>
    openai.chat.completions
      .create({ model: 'gpt', messages, ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming)
      .withResponse();

  it("sends every text of the call in one signed request, and sends on Bedrock's masked texts", async () => {
    bedrock.reset();
    const { response } = await chat([
      { role: 'system', content: 'Support desk.' },
      { role: 'user', content: 'mail me at ann@example.org' },
    ]);
    assert.deepEqual(
      (upstream.requests.at(-1)!.body as { messages: { content: string }[] }).messages.map(
        (m) => m.content,
      ),
      ['Support desk.', 'mail me at {EMAIL}'],
    );
    assert.equal(bedrock.requests.length, 1, 'one ApplyGuardrail call for the whole request');
    assert.equal(bedrock.requests[0]!.path, `/guardrail/${GUARDRAIL_ID}/version/1/apply`);
    assert.deepEqual(bedrock.requests[0]!.body, {
      source: 'INPUT',
      content: [
        { text: { text: 'Support desk.' } },
        { text: { text: 'mail me at ann@example.org' } },
      ],
    });
    assert.equal(response.headers.get('x-litellm-applied-guardrails'), 'aws-input');
  });

  it("refuses a denied topic with LiteLLM's 400, the assessment's match never echoed", async () => {
    const before = upstream.requests.length;
    const error = await refusal(chat([{ role: 'user', content: 'any stock tips for me?' }]));
    assert.equal(error.status, 400);
    assert.deepEqual(error.error, {
      message: 'Violated guardrail policy',
      type: 'invalid_request_error',
      param: null,
      code: '400',
      provider_specific_fields: {
        error: 'Violated guardrail policy',
        bedrock_guardrail_response: BLOCKED_MESSAGE,
        guardrailIdentifier: GUARDRAIL_ID,
        guardrailVersion: '1',
        assessments: [
          {
            policy: 'topicPolicy',
            matches: [
              {
                category: 'topics',
                name: 'Investment advice',
                type: 'DENY',
                action: 'BLOCKED',
                detected: true,
              },
            ],
          },
        ],
        guardrail_name: 'aws-input',
        guardrail_mode: 'pre_call',
      },
    });
    assert.equal(upstream.requests.length, before);
  });

  it('checks answers as OUTPUT: masked, or refused', async () => {
    bedrock.reset();
    const { data } = await chat([{ role: 'user', content: 'hello' }], {
      guardrails: ['aws-output'],
      mock_response: 'write to bob@example.com',
    });
    assert.equal(data.choices[0]!.message.content, 'write to {EMAIL}');
    assert.deepEqual(
      bedrock.requests.map((r) => r.body),
      [
        { source: 'INPUT', content: [{ text: { text: 'hello' } }] },
        { source: 'OUTPUT', content: [{ text: { text: 'write to bob@example.com' } }] },
      ],
    );
    const error = await refusal(
      chat([{ role: 'user', content: 'hello' }], {
        guardrails: ['aws-output'],
        mock_response: 'Here are my stock tips',
      }),
    );
    assert.equal(error.status, 400);
    assert.equal(error.message, '400 Violated guardrail policy');
  });

  it("passes Bedrock's own refusal on, and refuses the call", async () => {
    const before = upstream.requests.length;
    const missing = await refusal(
      chat([{ role: 'user', content: 'hi' }], { guardrails: ['aws-missing'] }),
    );
    assert.equal(missing.status, 404);
    assert.equal(missing.message, `404 The guardrail gr-gone was not found.`);
    bedrock.fail({ kind: 'status', status: 429, message: 'Rate exceeded' });
    const throttled = await refusal(chat([{ role: 'user', content: 'hi' }]));
    assert.equal(throttled.status, 429);
    assert.equal(upstream.requests.length, before);
  });
});

describe('Bedrock guardrail config', () => {
  it('needs the guardrail, its version and keys to sign with', () => {
    assert.throws(
      () =>
        buildConfig(
          {
            model_list: [],
            guardrails: [{ guardrail_name: 'b', litellm_params: { guardrail: 'bedrock' } }],
          },
          {},
        ),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(
          error.message,
          /guardrails\[0\]\.litellm_params\.guardrailIdentifier: required/,
        );
        assert.match(error.message, /guardrails\[0\]\.litellm_params\.guardrailVersion: required/);
        assert.match(error.message, /AWS keys are required to sign its requests/);
        return true;
      },
    );
  });
});

/**
 * Bedrock deployments without keys of their own take their AWS credentials from the AWS SDK's
 * default chain, as LiteLLM does through boto3: a named profile (`aws_profile_name`) or the
 * default one in the shared credentials file, temporary credentials with their session token
 * included. Each Bedrock simulator checks the SigV4 signature of its own identity.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startBedrockSimulator, type BedrockSimulator } from './simulators/bedrock-simulator.js';

const DEFAULT = {
  accessKeyId: 'AKIDDEFAULT',
  secretAccessKey: 'default/secret',
  region: 'us-east-1',
};
const TEAM = {
  accessKeyId: 'ASIATEAM',
  secretAccessKey: 'team/secret',
  sessionToken: 'team-session-token',
  region: 'us-east-1',
};
const MESSAGES = [{ role: 'user' as const, content: 'hello bedrock' }];

describe('Bedrock credentials from the AWS default chain', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-aws-'));
  const saved: Record<string, string | undefined> = {};
  let defaultUpstream: BedrockSimulator;
  let teamUpstream: BedrockSimulator;
  let gateway: TestGateway;
  let sdk: OpenAI;

  before(async () => {
    // Only the files below: no keys from this machine's environment or home directory.
    for (const name of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'AWS_PROFILE',
      'AWS_SHARED_CREDENTIALS_FILE',
      'AWS_CONFIG_FILE',
      'AWS_EC2_METADATA_DISABLED',
    ]) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
    writeFileSync(
      join(dir, 'credentials'),
      [
        '[default]',
        `aws_access_key_id = ${DEFAULT.accessKeyId}`,
        `aws_secret_access_key = ${DEFAULT.secretAccessKey}`,
        '[team-a]',
        `aws_access_key_id = ${TEAM.accessKeyId}`,
        `aws_secret_access_key = ${TEAM.secretAccessKey}`,
        `aws_session_token = ${TEAM.sessionToken}`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'config'), '');
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    process.env.AWS_EC2_METADATA_DISABLED = 'true';

    defaultUpstream = await startBedrockSimulator(DEFAULT);
    teamUpstream = await startBedrockSimulator(TEAM);
    const bedrock = (name: string, url: string, params: Record<string, unknown> = {}) => ({
      model_name: name,
      litellm_params: {
        model: 'bedrock/anthropic.claude-3-haiku-20240307-v1:0',
        aws_region_name: 'us-east-1',
        api_base: url,
        ...params,
      },
    });
    gateway = await startGateway(
      {
        model_list: [
          bedrock('claude-default', defaultUpstream.url),
          bedrock('claude-team', teamUpstream.url, { aws_profile_name: 'team-a' }),
          bedrock('claude-nobody', defaultUpstream.url, { aws_profile_name: 'nobody' }),
          bedrock('claude-role', defaultUpstream.url, { aws_role_name: 'arn:aws:iam::1:role/x' }),
        ],
        general_settings: { master_key: MASTER_KEY },
      },
      { env: {} },
    );
    sdk = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });
  after(async () => {
    await gateway?.close();
    await defaultUpstream?.close();
    await teamUpstream?.close();
    rmSync(dir, { recursive: true, force: true });
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('signs with the default profile when a deployment names no keys', async () => {
    const answer = await sdk.chat.completions.create({
      model: 'claude-default',
      messages: MESSAGES,
    });
    assert.ok(answer.choices[0]?.message.content);
    assert.match(
      String(defaultUpstream.requests.at(-1)?.headers.authorization),
      /Credential=AKIDDEFAULT\//,
    );
  });

  it('signs with the named profile, session token included', async () => {
    const answer = await sdk.chat.completions.create({ model: 'claude-team', messages: MESSAGES });
    assert.ok(answer.choices[0]?.message.content);
    const sent = teamUpstream.requests.at(-1);
    assert.match(String(sent?.headers.authorization), /Credential=ASIATEAM\//);
    assert.equal(sent?.headers['x-amz-security-token'], TEAM.sessionToken);
  });

  it('says which profile it could not find, as a 401', async () => {
    const error = await sdk.chat.completions
      .create({ model: 'claude-nobody', messages: MESSAGES })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
    assert.match(error.message, /no AWS credentials for model claude-nobody in profile "nobody"/);
  });

  it('refuses aws_role_name with a 400 that says how to assume a role', async () => {
    const error = await sdk.chat.completions
      .create({ model: 'claude-role', messages: MESSAGES })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof OpenAI.BadRequestError, String(error));
    assert.match(error.message, /role_arn and source_profile/);
  });
});

/**
 * Bedrock deployments without keys of their own take their AWS credentials from the AWS SDK's
 * default chain, as LiteLLM does through boto3: a named profile (`aws_profile_name`) or the
 * default one in the shared credentials file, temporary credentials with their session token
 * included; with `aws_role_name` those are the source of an STS AssumeRole (simulated), and the
 * role's temporary keys sign. Each simulator checks the SigV4 signature of its own identity.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { startBedrockSimulator, type BedrockSimulator } from './simulators/bedrock-simulator.js';
import { startStsSimulator, type StsSimulator } from './simulators/sts-simulator.js';

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
const ROLE = 'arn:aws:iam::123456789012:role/bedrock-invoker';
/** The first temporary keys the STS simulator issues for the role. */
const ROLE_KEYS = {
  accessKeyId: 'ASIAROLE1',
  secretAccessKey: 'role/secret/1',
  sessionToken: 'role-session-token-1',
  region: 'us-east-1',
};

describe('Bedrock credentials from the AWS default chain', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-aws-'));
  const saved: Record<string, string | undefined> = {};
  let defaultUpstream: BedrockSimulator;
  let teamUpstream: BedrockSimulator;
  let roleUpstream: BedrockSimulator;
  let sts: StsSimulator;
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
    roleUpstream = await startBedrockSimulator(ROLE_KEYS);
    sts = await startStsSimulator({ source: DEFAULT, roleArn: ROLE });
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
          bedrock('claude-role', roleUpstream.url, {
            aws_role_name: ROLE,
            aws_session_name: 'gateway-session',
            aws_sts_endpoint: sts.url,
          }),
          bedrock('claude-other-role', roleUpstream.url, {
            aws_role_name: 'arn:aws:iam::123456789012:role/not-mine',
            aws_sts_endpoint: sts.url,
          }),
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
    await roleUpstream?.close();
    await sts?.close();
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

  it("assumes aws_role_name with the default chain's keys and signs with the role's", async () => {
    for (let i = 0; i < 3; i++) {
      const answer = await sdk.chat.completions.create({
        model: 'claude-role',
        messages: MESSAGES,
      });
      assert.ok(answer.choices[0]?.message.content);
    }
    assert.equal(sts.issued.length, 1, 'one AssumeRole for the three calls');
    assert.equal(sts.issued[0]?.sessionName, 'gateway-session');
    assert.match(String(sts.requests[0]?.headers.authorization), /Credential=AKIDDEFAULT\//);
    const sent = roleUpstream.requests.at(-1);
    assert.match(String(sent?.headers.authorization), /Credential=ASIAROLE1\//);
    assert.equal(sent?.headers['x-amz-security-token'], ROLE_KEYS.sessionToken);
  });

  it("answers 401 with STS's reason when the role may not be assumed", async () => {
    const error = await sdk.chat.completions
      .create({ model: 'claude-other-role', messages: MESSAGES })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(error instanceof OpenAI.AuthenticationError, String(error));
    assert.match(
      error.message,
      /assuming the role arn:aws:iam::123456789012:role\/not-mine failed/,
    );
    assert.match(error.message, /is not authorized to perform: sts:AssumeRole/);
  });
});

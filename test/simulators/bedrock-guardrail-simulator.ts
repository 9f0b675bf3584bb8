/**
 * AWS Bedrock's ApplyGuardrail (`POST /guardrail/{id}/version/{version}/apply` on bedrock-runtime),
 * with AWS's wire format and SigV4 checked as AWS checks it (service `bedrock`). The guardrail
 * `gr-support` (version 1 or DRAFT) has a denied topic, investment advice (any text that mentions
 * "stock tips"), and anonymizes e-mail addresses (`{EMAIL}`); any other id is AWS's 404.
 */
import type { ServerResponse } from 'node:http';
import { checkSigV4, type AwsIdentity } from './bedrock-sigv4-check.js';
import { startSimulator, type Simulator } from './simulator-server.js';

export const GUARDRAIL_ID = 'gr-support';
export const BLOCKED_MESSAGE = 'Sorry, the model cannot answer this question.';
const PATH = /^\/guardrail\/([^/]+)\/version\/([^/]+)\/apply$/;
const EMAIL = /[\w.+-]+@[\w-]+\.[\w.]+/g;

interface ApplyBody {
  source?: string;
  content?: { text?: { text?: string } }[];
}

export async function startBedrockGuardrailSimulator(identity: AwsIdentity): Promise<Simulator> {
  return startSimulator(async ({ req, res, fault }) => {
    if (fault?.kind === 'status') {
      return awsError(
        res,
        fault.status,
        'ThrottlingException',
        fault.message ?? 'Too many requests',
      );
    }
    const denied = await checkSigV4(req, identity, 'bedrock');
    if (denied) return awsError(res, 403, denied.type, denied.message);
    const match = PATH.exec(req.path);
    if (req.method !== 'POST' || !match) return awsError(res, 404, 'UnknownOperationException', '');
    const [, id, version] = match.map(decodeURIComponent);
    if (id !== GUARDRAIL_ID || (version !== '1' && version !== 'DRAFT')) {
      return awsError(res, 404, 'ResourceNotFoundException', `The guardrail ${id} was not found.`);
    }
    const body = req.body as ApplyBody;
    const texts = (body.content ?? []).map((c) => c.text?.text);
    if (
      (body.source !== 'INPUT' && body.source !== 'OUTPUT') ||
      texts.length === 0 ||
      texts.some((t) => typeof t !== 'string')
    ) {
      return awsError(res, 400, 'ValidationException', 'The request is not valid.');
    }
    const all = texts as string[];
    const usage = { topicPolicyUnits: all.length, contentPolicyUnits: 0, wordPolicyUnits: 0 };
    if (all.some((t) => /stock tips/i.test(t))) {
      return json(res, {
        usage,
        action: 'GUARDRAIL_INTERVENED',
        outputs: [{ text: BLOCKED_MESSAGE }],
        assessments: [
          {
            topicPolicy: {
              topics: [
                { name: 'Investment advice', type: 'DENY', action: 'BLOCKED', detected: true },
              ],
            },
          },
        ],
      });
    }
    const emails = all.flatMap((t) => t.match(EMAIL) ?? []);
    if (emails.length > 0) {
      return json(res, {
        usage,
        action: 'GUARDRAIL_INTERVENED',
        outputs: all.map((t) => ({ text: t.replace(EMAIL, '{EMAIL}') })),
        assessments: [
          {
            sensitiveInformationPolicy: {
              piiEntities: emails.map((match) => ({ type: 'EMAIL', match, action: 'ANONYMIZED' })),
            },
          },
        ],
      });
    }
    return json(res, { usage, action: 'NONE', outputs: [], assessments: [{}] });
  });
}

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** AWS's restJson1 error: `{"message"}`, the type in `x-amzn-ErrorType`. */
function awsError(res: ServerResponse, status: number, type: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': `${type}:` });
  res.end(JSON.stringify({ message }));
}

/**
 * Simulates AWS STS's `AssumeRole` (the query protocol: a signed form POST, an XML answer): the
 * request's SigV4 signature must be the source identity's, and the role one it may assume; the
 * answer is the role's temporary credentials, or STS's `AccessDenied` error body.
 */
import { randomUUID } from 'node:crypto';
import { checkSigV4, type AwsIdentity } from './bedrock-sigv4-check.js';
import { startSimulator, type Simulator } from './simulator-server.js';

export interface StsSimulator extends Simulator {
  /** Temporary credentials issued, in order. */
  issued: (AwsIdentity & { sessionName: string })[];
  /** How long the next credentials last, in seconds (3600 by default, as STS). */
  durationSeconds: number;
}

export async function startStsSimulator(options: {
  source: AwsIdentity;
  /** The role the source may assume. */
  roleArn: string;
}): Promise<StsSimulator> {
  const state = { issued: [] as StsSimulator['issued'], durationSeconds: 3600 };
  const current: { sim?: StsSimulator } = {};
  const sim = await startSimulator(async ({ req, res }) => {
    const error = (status: number, code: string, message: string) => {
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(
        `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
    };
    const denied = await checkSigV4(req, options.source, 'sts');
    if (denied) return error(403, denied.type, denied.message);
    const form = new URLSearchParams(req.rawBody);
    if (form.get('Action') !== 'AssumeRole') return error(400, 'InvalidAction', 'Unknown action');
    const role = form.get('RoleArn') ?? '';
    const sessionName = form.get('RoleSessionName') ?? '';
    if (role !== options.roleArn) {
      return error(
        403,
        'AccessDenied',
        `User: arn:aws:iam::123456789012:user/gateway is not authorized to perform: sts:AssumeRole on resource: ${role}`,
      );
    }
    const n = state.issued.length + 1;
    const issued = {
      accessKeyId: `ASIAROLE${n}`,
      secretAccessKey: `role/secret/${n}`,
      sessionToken: `role-session-token-${n}`,
      region: options.source.region,
      sessionName,
    };
    state.issued.push(issued);
    const seconds = current.sim?.durationSeconds ?? 3600;
    const expiration = new Date(Date.now() + seconds * 1000).toISOString();
    res.writeHead(200, { 'content-type': 'text/xml' });
    res.end(
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
        `<Credentials><AccessKeyId>${issued.accessKeyId}</AccessKeyId><SecretAccessKey>${issued.secretAccessKey}</SecretAccessKey>` +
        `<SessionToken>${issued.sessionToken}</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
        `<AssumedRoleUser><AssumedRoleId>AROA123:${sessionName}</AssumedRoleId><Arn>${role.replace(':role/', ':assumed-role/').replace('arn:aws:iam', 'arn:aws:sts')}/${sessionName}</Arn></AssumedRoleUser>` +
        `</AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
    );
  });
  const self = Object.assign(sim, { issued: state.issued, durationSeconds: state.durationSeconds });
  current.sim = self;
  return self;
}

/**
 * Server-side sessions of the web UI: random ids (256 bits) of which only the SHA-256 is stored,
 * a CSRF token each, a fixed lifetime from sign-in. Expired sessions are refused and deleted when
 * seen; `last_seen_at` is written at most once a minute per session.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { SessionKind, SessionRecord, SessionRepository } from '../store/session-repository.js';

export interface SessionServiceDeps {
  sessions: SessionRepository;
  /** How long a session lasts after sign-in. */
  sessionMs: number;
  now: () => number;
}

/** A started session: the id goes to the browser and nowhere else. */
export interface StartedSession {
  id: string;
  record: SessionRecord;
}

const TOUCH_EVERY_MS = 60_000;

export function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

export class SessionService {
  constructor(private readonly deps: SessionServiceDeps) {}

  async start(owner: {
    userId: string;
    kind: SessionKind;
    credentialTag?: string;
  }): Promise<StartedSession> {
    const now = this.deps.now();
    const id = randomBytes(32).toString('base64url');
    const at = new Date(now).toISOString();
    const record: SessionRecord = {
      id_hash: hashSessionId(id),
      user_id: owner.userId,
      kind: owner.kind,
      credential_tag: owner.credentialTag ?? null,
      csrf_token: randomBytes(32).toString('base64url'),
      created_at: at,
      expires_at: new Date(now + this.deps.sessionMs).toISOString(),
      last_seen_at: at,
    };
    await this.deps.sessions.create(record);
    return { id, record };
  }

  /** The live session with this id; undefined when unknown, ended or expired. */
  async find(id: string): Promise<SessionRecord | undefined> {
    const idHash = hashSessionId(id);
    const record = await this.deps.sessions.findByHash(idHash);
    if (!record) return undefined;
    const now = this.deps.now();
    if (Date.parse(record.expires_at) <= now) {
      await this.deps.sessions.delete(idHash);
      return undefined;
    }
    if (now - Date.parse(record.last_seen_at) >= TOUCH_EVERY_MS) {
      const at = new Date(now).toISOString();
      await this.deps.sessions.touch(idHash, at);
      return { ...record, last_seen_at: at };
    }
    return record;
  }

  async end(id: string): Promise<void> {
    await this.deps.sessions.delete(hashSessionId(id));
  }

  /** After a password change: every session of the user ends, but the one that made it. */
  async endOthers(userId: string, keepHash?: string): Promise<number> {
    return this.deps.sessions.deleteForUser(userId, keepHash);
  }

  async endById(idHash: string): Promise<void> {
    await this.deps.sessions.delete(idHash);
  }
}

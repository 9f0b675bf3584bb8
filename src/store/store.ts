/**
 * The store as the gateway uses it: one repository per aggregate over an open database, plus a
 * liveness probe for /health/readiness.
 */
import { sql } from 'kysely';
import { AuditRepository } from './audit-repository.js';
import {
  auditedRepositories,
  type AuditActor,
  type AuditedRepositories,
} from './audited-repositories.js';
import { CredentialRepository } from './credential-repository.js';
import { CustomerRepository } from './customer-repository.js';
import { InvitationRepository } from './invitation-repository.js';
import { KeyRepository } from './key-repository.js';
import { ModelRepository } from './model-repository.js';
import {
  openDatabase,
  type Dialect,
  type OpenOptions,
  type StoreDatabase,
} from './open-database.js';
import { SpendReportRepository } from './spend-report-repository.js';
import { SessionRepository } from './session-repository.js';
import { BudgetRepository } from './budget-repository.js';
import { OrganizationRepository } from './organization-repository.js';
import { SpendRepository } from './spend-repository.js';
import { TagRepository } from './tag-repository.js';
import { TeamRepository } from './team-repository.js';
import { UserRepository } from './user-repository.js';

export interface Store {
  dialect: Dialect;
  /** Where it lives, without any password. */
  description: string;
  /** Migrations applied when it was opened. */
  applied: readonly string[];
  keys: KeyRepository;
  users: UserRepository;
  teams: TeamRepository;
  customers: CustomerRepository;
  /** Shared budgets (`/budget/*`). */
  budgets: BudgetRepository;
  /** Organizations and their members (`/organization/*`). */
  organizations: OrganizationRepository;
  /** Tags with a budget (`/tag/*`). */
  tags: TagRepository;
  /** The audit log of admin changes, written by the repositories of `auditedBy`. */
  audit: AuditRepository;
  /** Models added through /model/new. */
  models: ModelRepository;
  /** The same repositories, recording each change in the audit log as made by `actor`: what the
   * admin API writes through. The ones above write no audit row. */
  auditedBy(actor: AuditActor): AuditedRepositories;
  /** Booked spend, written by the spend ledger (not audited: no admin makes it). */
  spend: SpendRepository;
  /** Reads for the spend reports. */
  spendReports: SpendReportRepository;
  /** Web UI sessions, invitation links, and the password hashes sign-in checks. */
  sessions: SessionRepository;
  invitations: InvitationRepository;
  credentials: CredentialRepository;
  /** Whether the database answers a trivial query within `timeoutMs`. */
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export function createStore(database: StoreDatabase): Store {
  const { db } = database;
  return {
    dialect: database.dialect,
    description: database.description,
    applied: database.applied,
    keys: new KeyRepository(db),
    users: new UserRepository(db),
    teams: new TeamRepository(db),
    customers: new CustomerRepository(db),
    budgets: new BudgetRepository(db),
    organizations: new OrganizationRepository(db),
    tags: new TagRepository(db),
    audit: new AuditRepository(db),
    models: new ModelRepository(db),
    auditedBy: (actor) => auditedRepositories(db, actor),
    spend: new SpendRepository(db, database.sqlite, database.dialect),
    spendReports: new SpendReportRepository(db),
    sessions: new SessionRepository(db),
    invitations: new InvitationRepository(db),
    credentials: new CredentialRepository(db),
    ping: async (timeoutMs = 2000) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const query = sql`select 1`.execute(db).then(
        () => true,
        () => false,
      );
      try {
        return await Promise.race([query, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => database.close(),
  };
}

export async function openStore(url: string, options: OpenOptions = {}): Promise<Store> {
  return createStore(await openDatabase(url, options));
}

/**
 * The /key/* operations (LiteLLM's key_management_endpoints): who may do what to which key, the
 * rows written, and the request path's cache told at once. Keys are named by raw key or hash.
 */
import { randomBytes } from 'node:crypto';
import { abbreviateKey, hashKey } from '../auth/authenticate.js';
import { ALLOW_ALL, compileModelRule, type ModelDirectory } from '../auth/model-access.js';
import type { AuthInvalidation } from '../auth/principal-cache.js';
import { MASTER_USER_ID, type Principal } from '../auth/principal.js';
import type { KeyGenerationPolicy } from '../config/gateway-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { BudgetCalendar } from '../spend/budget-calendar.js';
import type { KeyPatch, KeyRecord } from '../store/key-repository.js';
import { changesBy } from '../store/audited-repositories.js';
import type { Store } from '../store/store.js';
import type { TeamRecord } from '../store/team-repository.js';
import { pythonList } from '../util/python-list.js';
import { UniqueViolation } from '../store/unique-violation.js';
import { isTeamAdmin } from './caller-scope.js';
import { spendTime } from './current-spend.js';
import { checkKeyGenerationSettings, withinUpperBounds, withKeyDefaults } from './key-policy.js';
import { budgetNotFound } from './budget-service.js';
import {
  budgetResetAt,
  defaultKeySettings,
  settingsPatch,
  toInstant,
  withTempBudget,
} from './key-settings.js';
import { refuseGuardrailChange } from './metadata-fields.js';
import type {
  BulkUpdateKeysInput,
  DeleteKeysInput,
  GenerateKeyInput,
  KeyAliasesQuery,
  KeyFields,
  KeyListQuery,
  RegenerateKeyInput,
  UpdateKeyInput,
} from './key-schemas.js';
import { generatedKey, keyInfo, keyObject, modelMaxBudgetUsage } from './key-view.js';

export interface KeyServiceDeps {
  store: Pick<Store, 'keys' | 'teams' | 'users' | 'budgets' | 'organizations' | 'auditedBy'>;
  invalidation: AuthInvalidation;
  now: () => number;
  /** When budget windows end (the gateway's one calendar). */
  calendar: BudgetCalendar;
  /** `default_key_generate_params`, `upperbound_key_generate_params`, `key_generation_settings`. */
  policy?: KeyGenerationPolicy;
  /** `general_settings.custom_key_generate`: may refuse a /key/generate request. */
  customKeyGenerate?: CustomKeyGenerate;
  /** Access groups and wildcards, for checking that a user's new key stays within its models. */
  models?: () => ModelDirectory;
}

/** The operator's hook: LiteLLM's `async def custom_generate_key_fn(data) -> dict`. */
export type CustomKeyGenerate = (
  data: Record<string, unknown>,
) => Promise<{ decision?: boolean; message?: string } | null | undefined>;

/** A /key/generate request as it came in: the fields its body named, whatever their value. */
export interface KeyRequest {
  fields: ReadonlySet<string>;
}

const EMPTY_DIRECTORY: ModelDirectory = {
  names: [],
  nameSet: new Set(),
  accessGroups: new Map(),
  routesOf: () => [],
};

/** `sk-` + 22 base64url characters: LiteLLM's `secrets.token_urlsafe(16)`. */
export function newRawKey(): string {
  return `sk-${randomBytes(16).toString('base64url')}`;
}

/** A raw key is hashed; anything else is taken as the hash already. */
export function tokenOf(key: string): string {
  return key.startsWith('sk-') ? hashKey(key) : key;
}

const isAdmin = (caller: Principal) => caller.role === 'proxy_admin';
const canReadAll = (caller: Principal) => isAdmin(caller) || caller.role === 'proxy_admin_viewer';
const actor = (caller: Principal) => caller.userId ?? MASTER_USER_ID;

export class KeyService {
  constructor(private readonly deps: KeyServiceDeps) {}

  /**
   * Creates a key. With `request` (a /key/generate call, not /user/new's first key) the
   * operator's policy applies first: key_generation_settings, custom_key_generate, defaults and
   * upper bounds.
   */
  /**
   * `options.newUser`: the key of a user the caller has just made through `/user/new` (an
   * organization admin may make it, though the key is not its own).
   */
  async generate(
    caller: Principal,
    requested: GenerateKeyInput,
    request?: KeyRequest,
    options: { newUser?: boolean } = {},
  ): Promise<Record<string, unknown>> {
    const now = this.deps.now();
    let input = request ? await this.applyPolicy(caller, requested, request, now) : requested;
    const raw = input.key ?? newRawKey();
    checkKeyFormat(raw);
    const userId =
      options.newUser === true
        ? (input.user_id ?? undefined)
        : this.ownerOf(caller, input.user_id ?? undefined);
    this.refuseAdminOnlyFields(caller, input);
    const teamId = input.team_id ?? null;
    const team = teamId === null ? undefined : await this.checkTeam(caller, teamId, userId);
    // What the caller asked for; values the operator's policy filled in are the operator's.
    await this.checkNoEscalation(caller, requested, team);
    // A team key asked for without a duration lasts as the team's keys do.
    if (team?.team_member_key_duration && input.duration === undefined) {
      input = { ...input, duration: team.team_member_key_duration };
    }
    const settings = settingsPatch(input, now, this.deps.calendar);
    refuseGuardrailChange(isAdmin(caller), 'key', settings.metadata);
    Object.assign(settings, await this.sharedBudgetPatch(input, now, undefined));
    Object.assign(settings, await this.organizationPatch(caller, input, undefined));
    if (input.key_alias) await this.checkAliasFree(input.key_alias);
    const at = new Date(now).toISOString();
    const record: KeyRecord = {
      ...defaultKeySettings(),
      ...settings,
      token: hashKey(raw),
      key_name: this.deps.policy?.disableKeyName ? null : `sk-...${raw.slice(-4)}`,
      user_id: userId ?? null,
      team_id: teamId,
      created_by: actor(caller),
      updated_by: actor(caller),
      created_at: at,
      updated_at: at,
    };
    await this.write(
      () => changesBy(this.deps.store, caller).keys.create(record),
      record.key_alias,
    );
    this.deps.invalidation.keyChanged(record.token);
    return generatedKey(record, raw, input.duration, spendTime(this.deps));
  }

  async info(caller: Principal, key: string | undefined): Promise<Record<string, unknown>> {
    const token = key === undefined ? caller.keyHash : tokenOf(key);
    const record = token === undefined ? undefined : await this.deps.store.keys.findByHash(token);
    if (!record)
      throw new GatewayError('key_not_found', 'Key not found in database', { param: 'key' });
    if (!(await this.canRead(caller, record))) {
      throw new GatewayError(
        'forbidden',
        `You are not allowed to access this key's info. Your role=${caller.role}`,
      );
    }
    const at = spendTime(this.deps);
    const budget =
      record.budget_id === null
        ? undefined
        : await this.deps.store.budgets.findById(record.budget_id);
    // A key without a duration of its own resets by its shared budget's: its spend shows so.
    const info = keyInfo(
      record.budget_duration === null && budget?.budget_duration
        ? { ...record, budget_duration: budget.budget_duration }
        : record,
      at,
    );
    if (record.budget_id !== null) info.litellm_budget_table = budget ?? null;
    if (Object.keys(record.model_max_budget).length > 0) {
      const rows = await this.deps.store.keys.findModelSpend(record.token);
      info.model_max_budget_usage = modelMaxBudgetUsage(record, rows, at);
    }
    return { key: key ?? token, info };
  }

  async list(caller: Principal, query: KeyListQuery): Promise<Record<string, unknown>> {
    const filters: {
      userId?: string;
      orTeamIds?: string[];
      orCreatedBy?: string;
      teamId?: string;
      organizationId?: string;
      keyAlias?: string;
      token?: string;
    } = {
      userId: query.user_id,
      teamId: query.team_id,
      organizationId: query.organization_id,
      keyAlias: query.key_alias,
      token: query.key_hash === undefined ? undefined : tokenOf(query.key_hash),
    };
    if (!canReadAll(caller)) {
      if (query.user_id !== undefined && query.user_id !== caller.userId) {
        throw new GatewayError('forbidden', "You are not authorized to check another user's keys");
      }
      if (query.team_id !== undefined && !(await this.isMember(query.team_id, caller.userId))) {
        throw new GatewayError('forbidden', "You are not authorized to check this team's keys");
      }
      // Non-admins see their own keys (and, when asked, their teams' and those they made); a
      // key that belongs to no user sees only itself.
      if (caller.userId !== undefined) {
        filters.userId = caller.userId;
        if (query.include_team_keys) filters.orTeamIds = await this.teamsAdministeredBy(caller);
        if (query.include_created_by_keys) filters.orCreatedBy = caller.userId;
      } else filters.token = caller.keyHash ?? '';
    }
    const at = spendTime(this.deps);
    const page = await this.deps.store.keys.list({
      page: query.page,
      size: query.size,
      order: query.sort_order,
      sortBy: query.sort_by,
      ...filters,
    });
    return {
      keys: query.return_full_object
        ? page.keys.map((k) => keyObject(k, at))
        : page.keys.map((k) => k.token),
      total_count: page.total,
      current_page: query.page,
      total_pages: Math.ceil(page.total / query.size),
    };
  }

  async update(caller: Principal, input: UpdateKeyInput): Promise<Record<string, unknown>> {
    const existing = await this.deps.store.keys.findByHash(tokenOf(input.key));
    if (!existing) throw new GatewayError('key_not_found', 'Key not found', { param: 'key' });
    if (!(await this.canManage(caller, existing))) {
      throw new GatewayError('forbidden', 'You are not authorized to update this key');
    }
    const patch = await this.changes(caller, existing, input);
    const updated = await this.write(
      () =>
        changesBy(this.deps.store, caller).keys.update(existing.token, {
          ...patch,
          updated_by: actor(caller),
          updated_at: new Date(this.deps.now()).toISOString(),
        }),
      patch.key_alias,
    );
    if (!updated) throw new GatewayError('key_not_found', 'Key not found', { param: 'key' });
    this.deps.invalidation.keyChanged(existing.token);
    return { ...keyInfo(updated, spendTime(this.deps)), key: input.key };
  }

  async delete(caller: Principal, input: DeleteKeysInput): Promise<Record<string, unknown>> {
    const keys = input.keys ?? [];
    const aliases = input.key_aliases ?? [];
    const { store } = this.deps;
    const found = new Map<string, KeyRecord>();
    for (const k of await store.keys.findByHashes(keys.map(tokenOf))) found.set(k.token, k);
    for (const k of await store.keys.findByAliases(aliases)) found.set(k.token, k);
    const missing = [
      ...keys.filter((k) => !found.has(tokenOf(k))),
      ...aliases.filter((a) => ![...found.values()].some((k) => k.key_alias === a)),
    ];
    if (found.size === 0) throw new GatewayError('key_not_found', 'No keys found');
    if (missing.length > 0) {
      throw new GatewayError(
        'key_not_found',
        `No keys found for: ${missing.map((m) => (m.startsWith('sk-') ? abbreviateKey(m) : m)).join(', ')}. Nothing was deleted.`,
      );
    }
    const allowed = await Promise.all([...found.values()].map((k) => this.canManage(caller, k)));
    if (!allowed.every(Boolean)) {
      throw new GatewayError('forbidden', 'You are not authorized to delete this key');
    }
    await changesBy(this.deps.store, caller).keys.delete([...found.keys()]);
    for (const token of found.keys()) this.deps.invalidation.keyChanged(token);
    return { deleted_keys: keys.length > 0 ? keys : aliases };
  }

  async regenerate(
    caller: Principal,
    key: string | undefined,
    input: RegenerateKeyInput,
  ): Promise<Record<string, unknown>> {
    if (!key) throw new GatewayError('bad_request', 'No key passed in.', { param: 'key' });
    const existing = await this.deps.store.keys.findByHash(tokenOf(key));
    if (!existing) {
      throw new GatewayError('key_not_found', `Key ${abbreviateKey(key)} not found.`, {
        param: 'key',
      });
    }
    if (!(await this.canManage(caller, existing))) {
      throw new GatewayError('forbidden', 'You are not authorized to regenerate this key');
    }
    const now = this.deps.now();
    const raw = input.new_key ?? newRawKey();
    checkKeyFormat(raw);
    const { key: _key, new_key: _new, grace_period: grace, ...fields } = input;
    const graceUntil = grace ? (toInstant('grace_period', grace, now) ?? undefined) : undefined;
    const patch = await this.changes(caller, existing, fields);
    const rotated = await this.write(
      () =>
        changesBy(this.deps.store, caller).keys.rotate(existing.token, {
          token: hashKey(raw),
          key_name: `sk-...${raw.slice(-4)}`,
          updated_at: new Date(now).toISOString(),
          graceUntil,
          patch: { ...patch, updated_by: actor(caller) },
        }),
      patch.key_alias,
    );
    if (!rotated) throw new GatewayError('key_not_found', `Key ${abbreviateKey(key)} not found.`);
    this.deps.invalidation.keyChanged(existing.token);
    this.deps.invalidation.keyChanged(rotated.token);
    return generatedKey(rotated, raw, input.duration, spendTime(this.deps));
  }

  /** `POST /v2/key/info`: the keys of the list the caller may read, in its order. */
  async infoMany(caller: Principal, keys: readonly string[]): Promise<Record<string, unknown>> {
    const records = await this.deps.store.keys.findByHashes([...new Set(keys.map(tokenOf))]);
    const byToken = new Map(records.map((r) => [r.token, r]));
    const at = spendTime(this.deps);
    const info: Record<string, unknown>[] = [];
    for (const key of keys) {
      const record = byToken.get(tokenOf(key));
      if (record && (await this.canRead(caller, record))) info.push(keyObject(record, at));
    }
    return { key: keys, info };
  }

  /**
   * `POST /key/{key}/reset_spend`: the key's spend set back to `resetTo` (not above what it has
   * spent, nor above its budget); its logs stay. Proxy admins, and admins of the key's team.
   */
  async resetSpend(
    caller: Principal,
    key: string,
    resetTo: number,
  ): Promise<Record<string, unknown>> {
    const existing = await this.deps.store.keys.findByHash(tokenOf(key));
    if (!existing) throw new GatewayError('key_not_found', 'Key not found', { param: 'key' });
    const teamAdmin =
      existing.team_id !== null &&
      (await isTeamAdmin(this.deps.store.teams, caller, existing.team_id));
    if (!isAdmin(caller) && !teamAdmin) {
      throw new GatewayError(
        'forbidden',
        "Only proxy admins and admins of the key's team can reset its spend",
      );
    }
    const at = spendTime(this.deps);
    const previous = keyInfo(existing, at).spend as number;
    if (resetTo > previous) {
      throw new GatewayError(
        'bad_request',
        `reset_to (${resetTo}) must be less than or equal to the current spend (${previous})`,
        { param: 'reset_to' },
      );
    }
    if (existing.max_budget !== null && resetTo > existing.max_budget) {
      throw new GatewayError(
        'bad_request',
        `reset_to (${resetTo}) must be less than or equal to max_budget (${existing.max_budget})`,
        { param: 'reset_to' },
      );
    }
    const updated = await changesBy(this.deps.store, caller).keys.update(existing.token, {
      spend: resetTo,
      updated_by: actor(caller),
      updated_at: new Date(this.deps.now()).toISOString(),
    });
    if (!updated) throw new GatewayError('key_not_found', 'Key not found', { param: 'key' });
    this.deps.invalidation.keyChanged(existing.token);
    return { ...keyObject(updated, at), previous_spend: previous };
  }

  /** `POST /key/bulk_update`: each update on its own; one that fails does not stop the others. */
  async bulkUpdate(
    caller: Principal,
    input: BulkUpdateKeysInput,
  ): Promise<Record<string, unknown>> {
    if (!isAdmin(caller)) {
      throw new GatewayError('forbidden', 'Only proxy admins can perform bulk key updates');
    }
    const successful: Record<string, unknown>[] = [];
    const failed: Record<string, unknown>[] = [];
    for (const update of input.keys) {
      try {
        successful.push(await this.update(caller, update));
      } catch (error: unknown) {
        if (!(error instanceof GatewayError)) throw error;
        failed.push({ key: update.key, failed_reason: error.message });
      }
    }
    return {
      total_requested: input.keys.length,
      successful_updates: successful,
      failed_updates: failed,
    };
  }

  /**
   * `GET /key/aliases`: the aliases of the keys the caller sees (admins and viewers: all; others:
   * their own and their teams'), a page at a time.
   */
  async aliases(caller: Principal, query: KeyAliasesQuery): Promise<Record<string, unknown>> {
    const filter: { userId?: string; teamId?: string } = {};
    if (query.team_id !== undefined) {
      if (!canReadAll(caller) && !(await this.isMember(query.team_id, caller.userId))) {
        throw new GatewayError('forbidden', "You are not authorized to check this team's keys");
      }
      filter.teamId = query.team_id;
    } else if (!canReadAll(caller)) {
      filter.userId = caller.userId ?? '';
    }
    const page = await this.deps.store.keys.aliases({
      page: query.page,
      size: query.size,
      search: query.search,
      ...filter,
    });
    return {
      aliases: page.aliases,
      total_count: page.total,
      current_page: query.page,
      total_pages: Math.ceil(page.total / query.size),
    };
  }

  async setBlocked(
    caller: Principal,
    key: string,
    blocked: boolean,
  ): Promise<Record<string, unknown>> {
    const updated = await changesBy(this.deps.store, caller).keys.update(tokenOf(key), {
      blocked,
      updated_by: actor(caller),
      updated_at: new Date(this.deps.now()).toISOString(),
    });
    if (!updated) throw new GatewayError('key_not_found', 'Key not found', { param: 'key' });
    this.deps.invalidation.keyChanged(updated.token);
    return keyObject(updated, spendTime(this.deps));
  }

  /** The columns an update (or regeneration) changes, after checking the caller may. */
  private async changes(
    caller: Principal,
    existing: KeyRecord,
    input: KeyFields,
  ): Promise<KeyPatch> {
    this.refuseAdminOnlyFields(caller, input);
    const patch = settingsPatch(input, this.deps.now(), this.deps.calendar, existing);
    refuseGuardrailChange(isAdmin(caller), 'key', patch.metadata, existing.metadata);
    Object.assign(patch, await this.sharedBudgetPatch(input, this.deps.now(), existing));
    Object.assign(patch, await this.organizationPatch(caller, input, existing));
    if ('temp_budget_increase' in input || 'temp_budget_expiry' in input) {
      const { temp_budget_increase, temp_budget_expiry } = input as UpdateKeyInput;
      patch.metadata = withTempBudget(
        patch.metadata ?? existing.metadata,
        temp_budget_increase,
        temp_budget_expiry,
        this.deps.now(),
      );
    }
    let userId = existing.user_id ?? undefined;
    if ('user_id' in input) {
      userId = input.user_id ?? undefined;
      if (!isAdmin(caller) && userId !== caller.userId) {
        throw new GatewayError(
          'forbidden',
          `User=${caller.userId ?? 'None'} is not allowed to update key=${existing.token} to belong to user=${userId ?? 'None'}`,
        );
      }
      patch.user_id = userId ?? null;
    }
    let teamId = existing.team_id;
    if ('team_id' in input) {
      teamId = input.team_id ?? null;
      if (teamId !== null) await this.checkTeam(caller, teamId, userId);
      patch.team_id = teamId;
    }
    if (input.models || input.max_budget !== undefined) {
      const team = teamId === null ? undefined : await this.deps.store.teams.findById(teamId);
      await this.checkNoEscalation(caller, input, team);
    }
    if (input.key_alias && input.key_alias !== existing.key_alias) {
      await this.checkAliasFree(input.key_alias);
    }
    return patch;
  }

  /**
   * A `budget_id` must name a shared budget; a key that takes one without a duration of its own
   * starts a window of the budget's duration now.
   */
  private async sharedBudgetPatch(
    input: KeyFields,
    now: number,
    existing: KeyRecord | undefined,
  ): Promise<KeyPatch> {
    if (!input.budget_id || input.budget_id === existing?.budget_id) return {};
    const budget = await this.deps.store.budgets.findById(input.budget_id);
    if (!budget) throw budgetNotFound(input.budget_id);
    const ownDuration =
      input.budget_duration !== undefined ? input.budget_duration : existing?.budget_duration;
    if (ownDuration || !budget.budget_duration) return {};
    return { budget_reset_at: budgetResetAt(budget.budget_duration, now, this.deps.calendar) };
  }

  /**
   * A key's organization after the request: `organization_id` (`""` or null takes the key out),
   * and the team it moves to. The organization must exist, and a team in an organization may only
   * hold keys of that organization. An organization is a limit put on the key: a caller who is
   * not a proxy admin names one only as its `internal_user` or `org_admin` member, and takes a
   * key out of one (or into another organization's team) only as its `org_admin`.
   */
  private async organizationPatch(
    caller: Principal,
    input: KeyFields,
    existing: KeyRecord | undefined,
  ): Promise<KeyPatch> {
    const { organizations, teams } = this.deps.store;
    const current = existing?.organization_id ?? null;
    const next = input.organization_id === undefined ? current : input.organization_id || null;
    const teamId = input.team_id !== undefined ? input.team_id : existing?.team_id;
    const team = teamId ? await teams.findById(teamId) : undefined;
    if (next !== null && next !== current) {
      if (!(await organizations.findById(next))) {
        throw new GatewayError(
          'bad_request',
          `Organization not found for organization_id=${next}`,
          {
            param: 'organization_id',
          },
        );
      }
    }
    if (team?.organization_id && next !== null && team.organization_id !== next) {
      throw new GatewayError(
        'bad_request',
        `Team=${team.team_id} is not in organization=${next}: a team's keys belong to the team's organization`,
        { param: 'organization_id' },
      );
    }
    if (caller.role !== 'proxy_admin') {
      const roleIn = async (organizationId: string) =>
        caller.userId === undefined
          ? undefined
          : (await organizations.findMember(organizationId, caller.userId))?.user_role;
      if (next !== null && next !== current) {
        const role = await roleIn(next);
        if (role !== 'internal_user' && role !== 'org_admin') {
          throw new GatewayError(
            'forbidden',
            `User=${caller.userId ?? 'None'} is not a member of organization=${next} who may make its keys (internal_user or org_admin)`,
            { param: 'organization_id' },
          );
        }
      }
      const leaves =
        current !== null && (next !== current || (team?.organization_id ?? current) !== current);
      if (leaves && (await roleIn(current)) !== 'org_admin') {
        throw new GatewayError(
          'forbidden',
          `Only proxy admins and admins of organization=${current} can take a key out of it`,
          { param: input.organization_id === undefined ? 'team_id' : 'organization_id' },
        );
      }
    }
    return next === current ? {} : { organization_id: next };
  }

  /** The teams in which the caller's user is an admin. */
  private async teamsAdministeredBy(caller: Principal): Promise<string[]> {
    if (caller.userId === undefined) return [];
    const memberships = await this.deps.store.teams.membershipsOf({ userIds: [caller.userId] });
    return memberships.filter((m) => m.role === 'admin').map((m) => m.team_id);
  }

  /** Whose key a new key is: admins may name anyone, others only themselves. */
  private ownerOf(caller: Principal, requested: string | undefined): string | undefined {
    if (isAdmin(caller)) return requested;
    const owner = requested ?? caller.userId;
    if (owner === undefined || owner !== caller.userId) {
      throw new GatewayError(
        'forbidden',
        `User can only create keys for themselves. Got user_id=${owner ?? 'None'}, Your ID=${caller.userId ?? 'None'}`,
      );
    }
    return owner;
  }

  /** Spend and the blocked flag are the admin's to set: a user must not reset or unblock its own key. */
  private refuseAdminOnlyFields(caller: Principal, input: KeyFields): void {
    if (isAdmin(caller)) return;
    for (const field of ['spend', 'blocked'] as const) {
      if (field in input && input[field] !== undefined && input[field] !== null) {
        throw new GatewayError('forbidden', `Only proxy admins can set ${field} on a key`, {
          param: field,
        });
      }
    }
  }

  /** The operator's policy for a /key/generate request; returns the request as it will be made. */
  private async applyPolicy(
    caller: Principal,
    input: GenerateKeyInput,
    request: KeyRequest,
    now: number,
  ): Promise<GenerateKeyInput> {
    const { policy, customKeyGenerate } = this.deps;
    if (policy?.settings && !isAdmin(caller)) {
      const teamId = input.team_id ?? null;
      let memberRole;
      if (teamId !== null) {
        await this.checkTeam(caller, teamId, caller.userId);
        if (caller.userId !== undefined) {
          memberRole = (await this.deps.store.teams.findMember(teamId, caller.userId))?.role;
        }
      }
      checkKeyGenerationSettings(caller, policy.settings, {
        teamId,
        present: request.fields,
        memberRole,
      });
    }
    if (customKeyGenerate) {
      let result;
      try {
        result = await customKeyGenerate(structuredClone(input) as Record<string, unknown>);
      } catch (error: unknown) {
        throw new GatewayError(
          'internal_server_error',
          `custom_key_generate failed: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
      if (result?.decision === false) {
        throw new GatewayError(
          'forbidden',
          typeof result.message === 'string' && result.message !== ''
            ? result.message
            : 'Authentication Failed - Custom Auth Rule',
        );
      }
    }
    const defaulted = withKeyDefaults(input, policy?.defaults, caller);
    return withinUpperBounds(defaulted, policy?.upperBounds, now);
  }

  /**
   * A user who is not a proxy admin cannot give a key more than it holds: models outside its
   * own list (for a team key, the team's list), or a budget above its own or the team's.
   */
  private async checkNoEscalation(
    caller: Principal,
    input: Pick<KeyFields, 'models' | 'max_budget'>,
    team: TeamRecord | undefined,
  ): Promise<void> {
    if (isAdmin(caller)) return;
    const user =
      caller.userId === undefined ? undefined : await this.deps.store.users.findById(caller.userId);
    const directory = this.deps.models?.() ?? EMPTY_DIRECTORY;
    const [owner, allowed] = team
      ? [`Team=${team.team_id}`, team.models]
      : [`User=${caller.userId ?? 'None'}`, user?.models ?? []];
    const rule = allowed.length === 0 ? ALLOW_ALL : compileModelRule(allowed, directory);
    for (const model of input.models ?? []) {
      if (rule.all || allowed.includes(model) || rule.allows(model)) continue;
      if (team && model === 'all-team-models') continue;
      throw new GatewayError(
        'forbidden',
        `${owner} not allowed to create a key for model=${model}. Allowed ${team ? 'team' : 'user'} models = ${pythonList(allowed)}`,
        { param: 'models' },
      );
    }
    const budget = input.max_budget;
    if (budget === undefined || budget === null) return;
    for (const [whose, limit] of [
      ['your', user?.max_budget],
      ["the team's", team?.max_budget],
    ] as const) {
      if (limit !== undefined && limit !== null && budget > limit) {
        throw new GatewayError(
          'forbidden',
          `max_budget=${budget} is above ${whose} max_budget=${limit}`,
          { param: 'max_budget' },
        );
      }
    }
  }

  private async checkTeam(
    caller: Principal,
    teamId: string,
    userId: string | undefined,
  ): Promise<TeamRecord> {
    const team = await this.deps.store.teams.findById(teamId);
    if (!team) {
      throw new GatewayError(
        'bad_request',
        `Unable to find team object in database. Team ID: ${teamId}`,
        { param: 'team_id' },
      );
    }
    if (!isAdmin(caller) && !(await this.isMember(teamId, userId))) {
      throw new GatewayError(
        'bad_request',
        `User=${userId ?? 'None'} not assigned to team=${teamId}`,
        { param: 'team_id' },
      );
    }
    return team;
  }

  private async checkAliasFree(alias: string): Promise<void> {
    if (await this.deps.store.keys.findByAlias(alias)) throw duplicateAlias(alias);
  }

  private async isMember(teamId: string, userId: string | undefined): Promise<boolean> {
    if (userId === undefined) return false;
    return (await this.deps.store.teams.findMember(teamId, userId)) !== undefined;
  }

  /** Proxy admins, the key's own user, and the admins of the key's team. */
  private async canManage(caller: Principal, key: KeyRecord): Promise<boolean> {
    if (isAdmin(caller) || (caller.userId !== undefined && key.user_id === caller.userId)) {
      return true;
    }
    return key.team_id !== null && (await isTeamAdmin(this.deps.store.teams, caller, key.team_id));
  }

  private async canRead(caller: Principal, key: KeyRecord): Promise<boolean> {
    if (canReadAll(caller) || caller.keyHash === key.token) return true;
    if (caller.userId === undefined) return false;
    if (key.user_id === caller.userId) return true;
    return key.team_id !== null && (await this.isMember(key.team_id, caller.userId));
  }

  /** Runs a write; a duplicate that slipped past the checks gets the same message they give. */
  private async write<T>(run: () => Promise<T>, alias: string | null | undefined): Promise<T> {
    try {
      return await run();
    } catch (error: unknown) {
      if (!(error instanceof UniqueViolation)) throw error;
      if (error.column === 'key_alias') throw duplicateAlias(alias ?? '');
      throw new GatewayError(
        'bad_request',
        'A key with this value already exists; use another key.',
        {
          param: 'key',
          cause: error,
        },
      );
    }
  }
}

function duplicateAlias(alias: string): GatewayError {
  return new GatewayError(
    'bad_request',
    `Key with alias '${alias}' already exists. Unique key aliases across all keys are required.`,
    { param: 'key_alias' },
  );
}

/** LiteLLM shows an invalid custom key as `abcd****wxyz`. */
function checkKeyFormat(raw: string): void {
  if (raw.startsWith('sk-')) return;
  const shown = raw.length >= 8 ? `${raw.slice(0, 4)}****${raw.slice(-4)}` : '****';
  throw new GatewayError(
    'bad_request',
    `Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: ${shown}`,
    { param: 'key' },
  );
}

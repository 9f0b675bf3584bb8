/**
 * The input schema of every route of the permission table that has one: the body of a POST,
 * PATCH or the query of a GET, as the route parses it. The fuzzers build their inputs from these.
 */
import { SpendCalculateSchema } from '../../src/server/spend-calculate-route.js';
import { ApplyGuardrailSchema } from '../../src/guardrails/guardrail-routes.js';
import {
  BudgetInfoSchema,
  BudgetListQuerySchema,
  BudgetSettingsQuerySchema,
  DeleteBudgetSchema,
  NewBudgetSchema,
  UpdateBudgetSchema,
} from '../../src/admin/budget-schemas.js';
import {
  DeleteTagSchema,
  NewTagSchema,
  TagInfoSchema,
  TagListQuerySchema,
  UpdateTagSchema,
} from '../../src/admin/tag-schemas.js';
import type { z } from 'zod';
import { AuditLogQuerySchema } from '../../src/admin/audit-routes.js';
import {
  CustomerIdsSchema,
  CustomerInfoQuerySchema,
  CustomerListQuerySchema,
  NewCustomerSchema,
  UpdateCustomerSchema,
} from '../../src/admin/customer-schemas.js';
import {
  DeleteKeysSchema,
  GenerateKeySchema,
  KeyInfoQuerySchema,
  KeyListQuerySchema,
  KeyRefSchema,
  KeyInfoManySchema,
  KeyHealthSchema,
  KeyAliasesQuerySchema,
  ResetSpendSchema,
  BulkUpdateKeysSchema,
  RegenerateKeySchema,
  UpdateKeySchema,
} from '../../src/admin/key-schemas.js';
import {
  DeleteModelSchema,
  NewModelSchema,
  PatchModelSchema,
  UpdateModelSchema,
} from '../../src/admin/model-schemas.js';
import {
  DateRangeQuerySchema,
  EndUsersQuerySchema,
  GlobalSpendLogsQuerySchema,
  NoInputSchema,
  SpendLogsQuerySchema,
  SpendLogsUiQuerySchema,
  SpendReportQuerySchema,
  SpendUsersQuerySchema,
  TopQuerySchema,
  TeamDailyActivityQuerySchema,
  TagDailyActivityQuerySchema,
  UserDailyActivityQuerySchema,
} from '../../src/admin/spend-schemas.js';
import {
  DeleteTeamsSchema,
  BulkMemberAddSchema,
  MemberAddSchema,
  MemberDeleteSchema,
  MemberUpdateSchema,
  NewTeamSchema,
  TeamInfoQuerySchema,
  TeamListQuerySchema,
  TeamRefSchema,
  UpdateTeamSchema,
} from '../../src/admin/team-schemas.js';
import {
  DeleteUsersSchema,
  NewUserSchema,
  UpdateUserSchema,
  UserInfoQuerySchema,
  UserListQuerySchema,
} from '../../src/admin/user-schemas.js';
import {
  AnthropicCountTokensRequestSchema,
  AnthropicMessagesRequestSchema,
} from '../../src/contracts/anthropic.js';
import { ResponsesRequestSchema } from '../../src/contracts/responses.js';
import { CacheDeleteSchema } from '../../src/server/cache-routes.js';
import {
  ChatRequestSchema,
  CompletionRequestSchema,
  EmbeddingRequestSchema,
  ImageGenerationRequestSchema,
  ModerationRequestSchema,
  RerankRequestSchema,
  SpeechRequestSchema,
} from '../../src/contracts/openai.js';

const customerRoutes = (prefix: string): Record<string, z.ZodType> => ({
  [`${prefix}/new`]: NewCustomerSchema,
  [`${prefix}/info`]: CustomerInfoQuerySchema,
  [`${prefix}/list`]: CustomerListQuerySchema,
  [`${prefix}/update`]: UpdateCustomerSchema,
  [`${prefix}/delete`]: CustomerIdsSchema,
  [`${prefix}/block`]: CustomerIdsSchema,
  [`${prefix}/unblock`]: CustomerIdsSchema,
});

export const ROUTE_INPUTS: Readonly<Record<string, z.ZodType>> = {
  '/v1/chat/completions': ChatRequestSchema,
  '/chat/completions': ChatRequestSchema,
  '/openai/deployments/:model/chat/completions': ChatRequestSchema,
  '/v1/completions': CompletionRequestSchema,
  '/completions': CompletionRequestSchema,
  '/openai/deployments/:model/completions': CompletionRequestSchema,
  '/v1/embeddings': EmbeddingRequestSchema,
  '/embeddings': EmbeddingRequestSchema,
  '/openai/deployments/:model/embeddings': EmbeddingRequestSchema,
  '/v1/messages': AnthropicMessagesRequestSchema,
  '/anthropic/v1/messages': AnthropicMessagesRequestSchema,
  '/v1/responses': ResponsesRequestSchema,
  '/responses': ResponsesRequestSchema,
  '/v1/moderations': ModerationRequestSchema,
  '/moderations': ModerationRequestSchema,
  '/v1/images/generations': ImageGenerationRequestSchema,
  '/images/generations': ImageGenerationRequestSchema,
  '/openai/deployments/:model/images/generations': ImageGenerationRequestSchema,
  '/v1/rerank': RerankRequestSchema,
  '/rerank': RerankRequestSchema,
  '/v2/rerank': RerankRequestSchema,
  '/v1/audio/speech': SpeechRequestSchema,
  '/audio/speech': SpeechRequestSchema,
  '/openai/deployments/:model/audio/speech': SpeechRequestSchema,
  '/cache/delete': CacheDeleteSchema,
  '/v1/messages/count_tokens': AnthropicCountTokensRequestSchema,
  '/anthropic/v1/messages/count_tokens': AnthropicCountTokensRequestSchema,
  '/v1/responses/input_tokens': ResponsesRequestSchema,
  '/responses/input_tokens': ResponsesRequestSchema,

  '/key/generate': GenerateKeySchema,
  '/key/info': KeyInfoQuerySchema,
  '/key/list': KeyListQuerySchema,
  '/key/update': UpdateKeySchema,
  '/key/delete': DeleteKeysSchema,
  '/key/regenerate': RegenerateKeySchema,
  '/key/:key/regenerate': RegenerateKeySchema,
  '/key/block': KeyRefSchema,
  '/key/unblock': KeyRefSchema,
  '/v2/key/info': KeyInfoManySchema,
  '/key/health': KeyHealthSchema,
  '/spend/calculate': SpendCalculateSchema,
  '/user/daily/activity': UserDailyActivityQuerySchema,
  '/team/daily/activity': TeamDailyActivityQuerySchema,
  '/key/aliases': KeyAliasesQuerySchema,
  '/key/:key/reset_spend': ResetSpendSchema,
  '/key/bulk_update': BulkUpdateKeysSchema,

  '/user/new': NewUserSchema,
  '/user/info': UserInfoQuerySchema,
  '/user/list': UserListQuerySchema,
  '/user/update': UpdateUserSchema,
  '/user/delete': DeleteUsersSchema,

  '/team/new': NewTeamSchema,
  '/team/info': TeamInfoQuerySchema,
  '/team/list': TeamListQuerySchema,
  '/team/update': UpdateTeamSchema,
  '/team/member_add': MemberAddSchema,
  '/team/bulk_member_add': BulkMemberAddSchema,
  '/team/member_delete': MemberDeleteSchema,
  '/team/member_update': MemberUpdateSchema,
  '/team/delete': DeleteTeamsSchema,
  '/team/block': TeamRefSchema,
  '/team/unblock': TeamRefSchema,

  ...customerRoutes('/customer'),
  ...customerRoutes('/end_user'),

  '/budget/new': NewBudgetSchema,
  '/budget/update': UpdateBudgetSchema,
  '/budget/info': BudgetInfoSchema,
  '/budget/list': BudgetListQuerySchema,
  '/budget/settings': BudgetSettingsQuerySchema,
  '/budget/delete': DeleteBudgetSchema,

  '/tag/new': NewTagSchema,
  '/tag/update': UpdateTagSchema,
  '/tag/info': TagInfoSchema,
  '/tag/list': TagListQuerySchema,
  '/tag/delete': DeleteTagSchema,

  '/audit/logs': AuditLogQuerySchema,

  '/spend/logs': SpendLogsQuerySchema,
  '/spend/logs/ui': SpendLogsUiQuerySchema,
  '/spend/keys': TopQuerySchema,
  '/spend/users': SpendUsersQuerySchema,
  '/spend/tags': DateRangeQuerySchema,
  '/provider/budgets': NoInputSchema,
  '/guardrails/list': NoInputSchema,
  '/v2/guardrails/list': NoInputSchema,
  '/guardrails/apply_guardrail': ApplyGuardrailSchema,
  '/apply_guardrail': ApplyGuardrailSchema,
  '/tag/daily/activity': TagDailyActivityQuerySchema,
  '/global/spend': NoInputSchema,
  '/global/spend/logs': GlobalSpendLogsQuerySchema,
  '/global/spend/keys': TopQuerySchema,
  '/global/spend/teams': NoInputSchema,
  '/global/spend/models': TopQuerySchema,
  '/global/spend/end_users': EndUsersQuerySchema,
  '/global/spend/report': SpendReportQuerySchema,
  '/global/spend/reset': NoInputSchema,

  '/model/new': NewModelSchema,
  '/model/update': UpdateModelSchema,
  '/model/:id/update': PatchModelSchema,
  '/model/delete': DeleteModelSchema,
};

/** The fixture's ids a valid input names. */
export interface KnownIds {
  teamB: string;
  victimUser: string;
  victimKey: string;
  customer: string;
  dbModel: string;
}

const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] };

/**
 * An input each route accepts from the master key, which the fuzzer overlays with a few hostile
 * fields: most runs then get past validation into the service (an input made of hostile values
 * only rarely does). Routes not listed start from `{}`.
 */
export function validInputs(ids: KnownIds): Readonly<Record<string, Record<string, unknown>>> {
  const customer = (prefix: string) => ({
    [`${prefix}/new`]: { user_id: `fuzz-customer-${prefix.length}`, max_budget: 1 },
    [`${prefix}/info`]: { end_user_id: ids.customer },
    [`${prefix}/update`]: { user_id: ids.customer, max_budget: 2 },
    [`${prefix}/delete`]: { user_ids: [ids.customer] },
    [`${prefix}/block`]: { user_ids: [ids.customer] },
    [`${prefix}/unblock`]: { user_ids: [ids.customer] },
  });
  return {
    '/v1/chat/completions': CHAT,
    '/chat/completions': CHAT,
    '/openai/deployments/:model/chat/completions': { messages: CHAT.messages },
    '/v1/completions': { model: 'gpt-4o-mini', prompt: 'hello' },
    '/completions': { model: 'gpt-4o-mini', prompt: 'hello' },
    '/openai/deployments/:model/completions': { prompt: 'hello' },
    '/v1/embeddings': { model: 'mock-embedding', input: 'hello' },
    '/embeddings': { model: 'mock-embedding', input: 'hello' },
    '/openai/deployments/:model/embeddings': { input: 'hello' },
    '/v1/messages': { ...CHAT, max_tokens: 20 },
    '/anthropic/v1/messages': { ...CHAT, max_tokens: 20 },
    '/v1/responses': { model: CHAT.model, input: 'hello', max_output_tokens: 20 },
    '/responses': { model: CHAT.model, input: [{ role: 'user', content: 'hello' }] },
    '/v1/moderations': { model: CHAT.model, input: 'hello' },
    '/moderations': { model: CHAT.model, input: ['hello', 'world'] },
    '/v1/images/generations': { model: 'mock-image', prompt: 'a cat', n: 2 },
    '/images/generations': { model: 'mock-image', prompt: 'a cat', response_format: 'b64_json' },
    '/openai/deployments/:model/images/generations': { prompt: 'a cat' },
    '/v1/audio/speech': { model: 'mock-speech', input: 'hello there', voice: 'alloy' },
    '/audio/speech': {
      model: 'mock-speech',
      input: 'hello',
      voice: 'nova',
      response_format: 'wav',
    },
    '/openai/deployments/:model/audio/speech': { input: 'hello', voice: 'alloy' },
    '/cache/delete': { keys: ['0'.repeat(64)] },
    '/v1/messages/count_tokens': CHAT,
    '/anthropic/v1/messages/count_tokens': CHAT,
    '/v1/responses/input_tokens': { model: CHAT.model, input: 'hello' },
    '/responses/input_tokens': { model: CHAT.model, input: 'hello', instructions: 'be brief' },
    '/key/info': { key: ids.victimKey },
    '/key/update': { key: ids.victimKey, max_budget: 3 },
    '/key/delete': { keys: [ids.victimKey] },
    '/key/regenerate': { key: ids.victimKey },
    '/key/block': { key: ids.victimKey },
    '/key/unblock': { key: ids.victimKey },
    '/v2/key/info': { keys: [ids.victimKey] },
    '/spend/calculate': { model: 'gpt-4o-mini', messages: CHAT.messages },
    '/user/daily/activity': { start_date: '2025-01-01', end_date: '2030-01-01' },
    '/team/daily/activity': { start_date: '2025-01-01', end_date: '2030-01-01' },
    '/key/:key/reset_spend': { reset_to: 0 },
    '/key/bulk_update': { keys: [{ key: ids.victimKey, max_budget: 3 }] },
    '/user/info': { user_id: ids.victimUser },
    '/user/update': { user_id: ids.victimUser, max_budget: 4 },
    '/user/delete': { user_ids: [ids.victimUser] },
    '/team/info': { team_id: ids.teamB },
    '/team/update': { team_id: ids.teamB, max_budget: 5 },
    '/team/member_add': { team_id: ids.teamB, member: { user_id: ids.victimUser, role: 'user' } },
    '/team/bulk_member_add': { team_id: ids.teamB, members: [{ user_id: ids.victimUser }] },
    '/team/member_delete': { team_id: ids.teamB, user_id: ids.victimUser },
    '/team/member_update': { team_id: ids.teamB, user_id: ids.victimUser, role: 'admin' },
    '/team/delete': { team_ids: [ids.teamB] },
    '/team/block': { team_id: ids.teamB },
    '/team/unblock': { team_id: ids.teamB },
    ...customer('/customer'),
    ...customer('/end_user'),
    '/budget/new': { budget_id: 'fuzz-budget', max_budget: 5 },
    '/budget/update': { budget_id: 'fuzz-budget', max_budget: 6 },
    '/budget/info': { budgets: ['fuzz-budget'] },
    '/budget/settings': { budget_id: 'fuzz-budget' },
    '/budget/delete': { id: 'fuzz-budget' },
    '/tag/new': { name: 'fuzz-tag', max_budget: 5, budget_duration: '1d' },
    '/tag/update': { name: 'fuzz-tag', max_budget: 6 },
    '/tag/info': { names: ['fuzz-tag'] },
    '/tag/delete': { name: 'fuzz-tag' },
    '/spend/logs': { user_id: ids.victimUser },
    '/global/spend/report': { start_date: '2025-01-01', end_date: '2030-01-01' },
    '/model/new': {
      model_name: 'fuzz-model',
      litellm_params: { model: 'mock/fuzz', api_key: 'sk-fuzz-model-key' },
    },
    '/model/update': { model_info: { id: ids.dbModel }, model_name: 'db-gpt' },
    '/model/:id/update': { model_name: 'db-gpt' },
    '/model/delete': { id: ids.dbModel },
  };
}

/**
 * Budget alerts, as LiteLLM sends them with `general_settings.alerting`: when a written batch of
 * spend brings a key or team to its `soft_budget` or its `max_budget`, once per budget window.
 *
 * - `webhook`: a POST of LiteLLM's webhook event to WEBHOOK_URL: `{spend, max_budget, token,
 *   user_id, team_id, user_email, key_alias, projected_exceeded_date, projected_spend, event,
 *   event_group, event_message}`, `event` being `soft_budget_crossed` or `budget_crossed`;
 * - `slack`: a message to SLACK_WEBHOOK_URL.
 *
 * Sent off the request path, after the spend is committed; a destination that fails or hangs
 * (5 s) is logged and skipped, never retried into a storm, never blocking the spend writer.
 */
import type { Logger } from 'pino';
import type { AlertSettings } from '../config/gateway-config.js';
import type { OverBudget } from '../spend/admission.js';
import type { BudgetNotice } from '../store/spend-repository.js';

const TIMEOUT_MS = 5_000;
/** Refused windows remembered (one alert each); forgotten all at once beyond this. */
const MAX_REMEMBERED = 10_000;
/** LiteLLM's event groups, by scope kind. */
const ALERTED_KINDS = new Set(['key', 'team', 'user', 'customer']);

const OWNER: Record<BudgetNotice['kind'], string> = {
  key: 'Key',
  team: 'Team',
  user: 'User',
  customer: 'Customer',
};

/**
 * The notice of a call refused for a spent budget, once per scope and budget window: a key's,
 * team's, user's or customer's `max_budget` reached (team member and per-model budgets are not
 * alerted).
 */
export function overBudgetNotices(
  send: (notice: BudgetNotice) => void,
): (refusal: OverBudget) => void {
  const sent = new Set<string>();
  return ({ scope, spent, windowEnd }) => {
    if (!ALERTED_KINDS.has(scope.kind) || scope.maxBudget == null) return;
    const once = `${scope.key}|${windowEnd ?? ''}`;
    if (sent.has(once)) return;
    if (sent.size >= MAX_REMEMBERED) sent.clear();
    sent.add(once);
    const key = scope.kind === 'key';
    send({
      kind: scope.kind as BudgetNotice['kind'],
      id: scope.id,
      threshold: 'max_budget',
      limit: scope.maxBudget,
      spend: spent,
      maxBudget: scope.maxBudget,
      alias: scope.alias ?? null,
      ...(key && { userId: scope.userId ?? null, teamId: scope.teamId ?? null }),
    });
  };
}

/** LiteLLM's webhook event for a budget notice. */
export function webhookEvent(notice: BudgetNotice): Record<string, unknown> {
  const owner = OWNER[notice.kind];
  const crossed = notice.threshold === 'max_budget';
  return {
    spend: notice.spend,
    max_budget: crossed ? notice.limit : notice.maxBudget,
    soft_budget: crossed ? undefined : notice.limit,
    token: notice.kind === 'key' ? notice.id : null,
    customer_id: notice.kind === 'customer' ? notice.id : null,
    user_id: notice.kind === 'user' ? notice.id : (notice.userId ?? null),
    team_id: notice.kind === 'team' ? notice.id : (notice.teamId ?? null),
    team_alias: notice.kind === 'team' ? notice.alias : null,
    user_email: null,
    key_alias: notice.kind === 'key' ? notice.alias : null,
    projected_exceeded_date: null,
    projected_spend: null,
    event: crossed ? 'budget_crossed' : 'soft_budget_crossed',
    event_group: notice.kind,
    event_message: `${owner} Budget: ${crossed ? 'Budget Crossed' : 'Soft Budget Crossed'}`,
  };
}

/** The Slack text of a budget notice. */
export function slackText(notice: BudgetNotice): string {
  const who =
    notice.kind === 'key'
      ? `key ${notice.alias ?? `${notice.id.slice(0, 12)}…`}`
      : `${notice.kind} ${notice.alias ?? notice.id}`;
  const what = notice.threshold === 'max_budget' ? 'max_budget' : 'soft_budget';
  return (
    `Budget alert: ${who} has spent $${notice.spend.toFixed(6)}, reaching its ${what} of ` +
    `$${notice.limit}` +
    (notice.threshold === 'max_budget' ? '; its calls are refused until the budget resets.' : '.')
  );
}

/** A sender of budget notices to the configured destinations. */
export function budgetAlerts(
  settings: AlertSettings,
  logger: Pick<Logger, 'warn'>,
): (notice: BudgetNotice) => void {
  const post = (destination: string, url: string, body: unknown): void => {
    // Node's own fetch: the npm undici the transport uses is loaded only in part (its fetch not).
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    })
      .then(async (answer) => {
        await answer.arrayBuffer();
        if (answer.status >= 300) {
          logger.warn({ destination, status: answer.status }, 'budget alert refused');
        }
      })
      .catch((error: unknown) => {
        logger.warn(
          { destination, err: error instanceof Error ? error.message : String(error) },
          'budget alert not sent',
        );
      });
  };
  return (notice) => {
    if (settings.webhookUrl) post('webhook', settings.webhookUrl, webhookEvent(notice));
    if (settings.slackUrl) post('slack', settings.slackUrl, { text: slackText(notice) });
  };
}

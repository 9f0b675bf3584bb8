import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Scope } from '../spend/types.js';
import type { BudgetNotice } from '../store/spend-repository.js';
import { budgetAlerts, overBudgetNotices, slackText, webhookEvent } from './budget-alerts.js';

function scope(kind: Scope['kind'], id: string, extra: Partial<Scope> = {}): Scope {
  return { kind, id, key: `${kind}:${id}`, label: id, spend: 0, maxBudget: 1, ...extra };
}

describe('budget alerts', () => {
  test('a refused call alerts once per scope and budget window', () => {
    const sent: BudgetNotice[] = [];
    const notice = overBudgetNotices((n) => sent.push(n));
    const key = scope('key', 'hash1', { alias: 'laptop', userId: 'u1', teamId: 't1' });
    notice({ scope: key, spent: 0.99, windowEnd: 1000 });
    notice({ scope: key, spent: 0.99, windowEnd: 1000 });
    notice({ scope: key, spent: 0.5, windowEnd: 2000 });
    // Team members and per-model budgets are not alerted.
    notice({ scope: scope('team_member', 't1:u1'), spent: 1, windowEnd: null });
    notice({ scope: scope('model_per_key', 'hash1:gpt'), spent: 1, windowEnd: null });
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[0], {
      kind: 'key',
      id: 'hash1',
      threshold: 'max_budget',
      limit: 1,
      spend: 0.99,
      maxBudget: 1,
      alias: 'laptop',
      userId: 'u1',
      teamId: 't1',
    });
  });

  test("LiteLLM's webhook event and a Slack line, for every kind", () => {
    const soft: BudgetNotice = {
      kind: 'team',
      id: 'team-1',
      threshold: 'soft_budget',
      limit: 5,
      spend: 5.2,
      maxBudget: 10,
      alias: 'Research',
    };
    assert.deepEqual(webhookEvent(soft), {
      spend: 5.2,
      max_budget: 10,
      soft_budget: 5,
      token: null,
      customer_id: null,
      user_id: null,
      team_id: 'team-1',
      team_alias: 'Research',
      user_email: null,
      key_alias: null,
      projected_exceeded_date: null,
      projected_spend: null,
      event: 'soft_budget_crossed',
      event_group: 'team',
      event_message: 'Team Budget: Soft Budget Crossed',
    });
    const customer: BudgetNotice = { ...soft, kind: 'customer', id: 'c1', threshold: 'max_budget' };
    assert.equal(webhookEvent(customer).customer_id, 'c1');
    assert.equal(webhookEvent(customer).event, 'budget_crossed');
    assert.match(
      slackText(customer),
      /customer Research .*max_budget of \$5; its calls are refused/,
    );
  });
});

describe('budget alert delivery', () => {
  test('a destination that is down is logged and skipped; nothing throws', async () => {
    const warnings: unknown[] = [];
    // Port 9 on loopback: nothing listens there, the connection is refused at once.
    const send = budgetAlerts(
      { webhookUrl: 'http://127.0.0.1:9/hook', slackUrl: 'http://127.0.0.1:9/slack' },
      { warn: (fields: unknown) => void warnings.push(fields) } as never,
    );
    send({
      kind: 'key',
      id: 'hash1',
      threshold: 'max_budget',
      limit: 1,
      spend: 1,
      maxBudget: 1,
      alias: null,
    });
    for (let i = 0; i < 200 && warnings.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual(warnings.map((w) => (w as { destination: string }).destination).sort(), [
      'slack',
      'webhook',
    ]);
  });
});

/**
 * `tollgate spend`: what was spent over a date range, by user, key, model (LiteLLM's
 * GET /spend/logs, summarized per day) or team (GET /global/spend/report, group_by=team).
 */
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { adminCommand, handler, type CommandContext } from '../command-kit.js';
import { parseDate } from '../parse-values.js';
import { renderTable } from '../table.js';
import type { Row } from '../views.js';

interface SpendOptions {
  user?: string;
  team?: string;
  key?: string;
  model?: string;
  startDate?: string;
  endDate?: string;
}

const DAY_MS = 86_400_000;

export function registerSpendCommand(program: Command, io: CliIo): void {
  adminCommand(program, 'spend', 'spend per day over a date range, by user, team, key or model')
    .option('--user <user_id>', "only this user's spend")
    .option('--team <team_id>', "only this team's spend")
    .option('--key <key>', "only this key's spend (sk- secret or hash)")
    .option('--model <model>', "only this model's spend")
    .option('--start-date <YYYY-MM-DD>', 'first day (default: 30 days ago)', parseDate)
    .option('--end-date <YYYY-MM-DD>', 'last day (default: today)', parseDate)
    .action(handler(io, (ctx: CommandContext<SpendOptions>) => showSpend(ctx)));
}

async function showSpend(ctx: CommandContext<SpendOptions>): Promise<void> {
  const o = ctx.options;
  if ([o.user, o.team, o.key].filter((v) => v !== undefined).length > 1) {
    throw new CliError('choose one of --user, --team or --key');
  }
  const today = new Date(ctx.io.now()).toISOString().slice(0, 10);
  const endDate = o.endDate ?? today;
  const startDate =
    o.startDate ?? new Date(Date.parse(endDate) - 30 * DAY_MS).toISOString().slice(0, 10);
  if (startDate > endDate)
    throw new CliError(`--start-date ${startDate} is after --end-date ${endDate}`);
  const range = { start_date: startDate, end_date: endDate };

  if (o.team !== undefined) {
    const report = await ctx.out.progress('Reading spend', () =>
      ctx.client.call('GET', '/global/spend/report', {
        query: { ...range, group_by: 'team', team_id: o.team },
      }),
    );
    const days = teamDays(report, o.team);
    ctx.out.result(report, () => dayTable(days, `team ${o.team}`));
    return;
  }
  const logs = await ctx.out.progress('Reading spend', () =>
    ctx.client.call('GET', '/spend/logs', {
      query: { ...range, user_id: o.user, api_key: o.key, summarize: true },
    }),
  );
  const days = summaryDays(logs, o.model);
  const scope = o.user ? `user ${o.user}` : o.key ? `key ${o.key}` : 'all';
  ctx.out.result(logs, () => dayTable(days, o.model ? `${scope}, model ${o.model}` : scope));
}

interface Day {
  date: string;
  spend: number;
}

/** /spend/logs summarized: `[{startTime, spend, models: {name: spend}, ...}]`. */
function summaryDays(answer: unknown, model: string | undefined): Day[] {
  if (!Array.isArray(answer)) return [];
  return (answer as Row[]).map((day) => ({
    date: String(day.startTime ?? day.date ?? '').slice(0, 10),
    spend:
      model === undefined
        ? Number(day.spend ?? 0)
        : Number(((day.models ?? {}) as Record<string, unknown>)[model] ?? 0),
  }));
}

/** /global/spend/report by team: `[{group_by_day, teams: [{team_name|team_id, total_spend}]}]`. */
function teamDays(answer: unknown, team: string): Day[] {
  if (!Array.isArray(answer)) return [];
  return (answer as Row[]).map((day) => {
    const teams = Array.isArray(day.teams) ? (day.teams as Row[]) : [];
    const spend = teams
      .filter((t) => t.team_id === undefined || t.team_id === team || t.team_name === team)
      .reduce((sum, t) => sum + Number(t.total_spend ?? 0), 0);
    return { date: String(day.group_by_day ?? '').slice(0, 10), spend };
  });
}

function dayTable(days: Day[], scope: string): string {
  const total = days.reduce((sum, d) => sum + d.spend, 0);
  const rows = [...days, { date: 'TOTAL', spend: total }];
  return `Spend (${scope}):\n${renderTable<Day>(
    [
      { header: 'date', value: (d) => d.date },
      { header: 'spend_usd', value: (d) => d.spend.toFixed(6) },
    ],
    rows,
  )}`;
}

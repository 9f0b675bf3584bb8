/**
 * What `tollgate import-litellm` prints: one line per object it creates or updates (with the
 * fields that change), a line per warning, counts per kind, and the spend logs; the same as one
 * JSON object for scripts.
 */
import type { ImportKind, ImportStep } from './import-litellm-plan.js';
import type { SpendLogImport } from './import-litellm-spend-logs.js';
import { cellText, renderTable } from './table.js';

export interface ImportReport {
  dry_run: boolean;
  from: string;
  to: string;
  counts: Record<ImportKind, { create: number; update: number; unchanged: number }>;
  /** The creates and updates, in the order they are made. */
  changes: ImportStep[];
  warnings: string[];
  spend_logs?: SpendLogImport;
}

const KINDS: readonly ImportKind[] = [
  'user',
  'budget',
  'organization',
  'organization_member',
  'tag',
  'team',
  'member',
  'key',
  'customer',
];

export function importReport(
  where: { dryRun: boolean; from: string; to: string },
  plan: { steps: readonly ImportStep[]; warnings: string[] },
  spendLogs: SpendLogImport | undefined,
): ImportReport {
  const counts = Object.fromEntries(
    KINDS.map((kind) => {
      const of = (action: ImportStep['action']) =>
        plan.steps.filter((s) => s.kind === kind && s.action === action).length;
      return [kind, { create: of('create'), update: of('update'), unchanged: of('unchanged') }];
    }),
  ) as ImportReport['counts'];
  return {
    dry_run: where.dryRun,
    from: where.from,
    to: where.to,
    counts,
    changes: plan.steps.filter((s) => s.action !== 'unchanged'),
    warnings: plan.warnings,
    ...(spendLogs ? { spend_logs: spendLogs } : {}),
  };
}

export function renderImportReport(report: ImportReport): string {
  const lines = report.changes.map((step) => {
    const head = `${step.action === 'create' ? '+' : '~'} ${step.kind} ${step.target}: ${step.action}`;
    const fields = step.changes.map(
      (c) => `    ${c.field}: ${cellText(c.from)} → ${cellText(c.to)}`,
    );
    return [head, ...fields].join('\n');
  });
  for (const warning of report.warnings) lines.push(`! ${warning}`);
  if (lines.length > 0) lines.push('');
  lines.push(
    renderTable(
      [
        { header: 'kind', value: (k: ImportKind) => `${k}s` },
        { header: 'create', value: (k: ImportKind) => report.counts[k].create },
        { header: 'update', value: (k: ImportKind) => report.counts[k].update },
        { header: 'unchanged', value: (k: ImportKind) => report.counts[k].unchanged },
      ],
      KINDS,
    ),
  );
  const logs = report.spend_logs;
  if (logs) {
    const days = logs.days ? `; daily totals of ${logs.days.from}..${logs.days.to} rebuilt` : '';
    lines.push(
      `spend logs: ${logs.read} read, ${logs.added} ${report.dry_run ? 'to add' : 'added'}${report.dry_run ? '' : days}`,
    );
  }
  lines.push(
    report.dry_run
      ? `Dry run: nothing was changed in ${report.to}.`
      : `Imported from ${report.from} into ${report.to}.`,
  );
  return lines.join('\n');
}

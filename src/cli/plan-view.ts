/** How a reconcile plan reads for people: one line per object, then the counts. */
import type { Plan, Step } from '../reconcile/plan.js';
import { cellText } from './table.js';

const MARK: Record<Step['action'], string> = {
  create: '+',
  update: '~',
  delete: '-',
  unchanged: '=',
  absent: '=',
};

const VERB: Record<Step['action'], string> = {
  create: 'create',
  update: 'update',
  delete: 'delete',
  unchanged: 'unchanged',
  absent: 'not found, nothing to delete',
};

export function renderPlan(plan: Plan): string {
  const lines = plan.steps.map((step) => {
    const notes = [
      step.adopted ? 'existing, adopted' : '',
      step.pruned ? 'no longer in the manifests' : '',
    ]
      .filter((n) => n !== '')
      .map((n) => ` (${n})`)
      .join('');
    const head = `${MARK[step.action]} ${step.kind} ${step.target}: ${VERB[step.action]}${notes}`;
    const changes = step.changes.map(
      (c) => `    ${c.field}: ${cellText(c.from)} → ${cellText(c.to)}`,
    );
    return [head, ...changes].join('\n');
  });
  return [...lines, summary(plan)].join('\n');
}

export function summary(plan: Plan): string {
  const count = (action: Step['action']) => plan.steps.filter((s) => s.action === action).length;
  return `Plan: ${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete, ${count('unchanged') + count('absent')} unchanged.`;
}

export function hasChanges(plan: Plan): boolean {
  return plan.steps.some((s) => s.call !== undefined);
}

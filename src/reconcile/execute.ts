/**
 * Runs a plan's calls in order. Teams created by the plan get their id from the gateway's answer,
 * so memberships of a new team can follow it in the same run. Returns the key secrets the
 * gateway disclosed (once) so the caller can keep them.
 */
import type { AdminTransport } from './admin-transport.js';
import type { Observed } from './observe.js';
import type { Plan, Step } from './plan.js';

export interface DisclosedSecret {
  step: Step;
  keyAlias: string;
  secretName: string;
  key: string;
}

export interface ExecuteHooks {
  /** Called after each call succeeded. */
  onStepDone?(step: Step): void;
}

export async function executePlan(
  transport: AdminTransport,
  plan: Plan,
  observed: Observed,
  hooks: ExecuteHooks = {},
): Promise<DisclosedSecret[]> {
  const teamIds = new Map<string, unknown>(
    observed.teams.map((t) => [String(t.team_alias), t.team_id]),
  );
  const secrets: DisclosedSecret[] = [];
  for (const step of plan.steps) {
    if (!step.call) continue;
    const body = { ...step.call.body };
    if (step.call.teamAlias !== undefined) body.team_id = teamIds.get(step.call.teamAlias);
    const answer = (await transport.call('POST', step.call.path, { body })) as
      Record<string, unknown> | undefined;
    if (step.kind === 'Team' && step.action === 'create' && answer) {
      teamIds.set(String(answer.team_alias), answer.team_id);
    }
    if (step.secret && typeof answer?.key === 'string') {
      secrets.push({ step, ...step.secret, key: answer.key });
    }
    hooks.onStepDone?.(step);
  }
  return secrets;
}

/**
 * `tollgate apply|diff|delete -f FILE|DIR`: the operator's `auth.litellm.ai/v1alpha1` resources
 * applied to a gateway through the reconcile core (src/reconcile), without a cluster.
 */
import { appendFileSync, chmodSync, existsSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import type { DisclosedSecret } from '../../reconcile/execute.js';
import { executePlan } from '../../reconcile/execute.js';
import { observe, type Observed } from '../../reconcile/observe.js';
import { parseManifests } from '../../reconcile/parse-manifests.js';
import { planChanges, type Plan, type PlanOptions } from '../../reconcile/plan.js';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import {
  adminCommand,
  destructive,
  handler,
  reportFailure,
  type CommandContext,
} from '../command-kit.js';
import { confirm } from '../confirm.js';
import { readManifestSources } from '../manifest-files.js';
import { hasChanges, renderPlan } from '../plan-view.js';

/** The marker on objects `tollgate apply` creates; only those are pruned. */
export const MANAGED_BY = 'tollgate';

interface ManifestOptions {
  filename: string[];
  recursive?: boolean;
  dryRun?: boolean;
  prune?: boolean;
  secretsOut?: string;
  yes?: boolean;
}

type Ctx = CommandContext<ManifestOptions>;

function manifestCommand(parent: Command, name: string, description: string): Command {
  return adminCommand(parent, name, description)
    .requiredOption('-f, --filename <path...>', 'manifest files or folders; - reads standard input')
    .option('-R, --recursive', 'also read the folders inside the folders given');
}

export function registerManifestCommands(program: Command, io: CliIo): void {
  manifestCommand(
    program,
    'apply',
    'make the gateway match User, Team, TeamMemberAssociation and VirtualKey manifests',
  )
    .option('--dry-run', 'print the plan and change nothing')
    .option(
      '--prune',
      'also delete objects apply created earlier that the manifests no longer name',
    )
    .option(
      '--secrets-out <file>',
      'append generated key secrets to this file (as Kubernetes Secrets) instead of printing them',
    )
    .action(handler(io, (ctx: Ctx) => apply(ctx)));

  manifestCommand(
    program,
    'diff',
    'print what apply would change; exit 0 if nothing, 1 if something',
  )
    .option('--prune', 'include the deletions apply --prune would make')
    .action(
      handler(io, async (ctx: Ctx) => {
        try {
          const { plan } = await prepare(ctx, { mode: 'apply', prune: ctx.options.prune });
          ctx.out.result(planJson(plan), () => renderPlan(plan));
          if (hasChanges(plan)) ctx.io.setExitCode(1);
        } catch (error: unknown) {
          // diff's 1 means "differences"; a failure must not look like one.
          reportFailure(ctx.io, error);
          ctx.io.setExitCode(2);
        }
      }),
    );

  destructive(
    manifestCommand(program, 'delete', 'delete the objects the manifests name from the gateway'),
  )
    .option('--dry-run', 'print what would be deleted and change nothing')
    .action(
      handler(io, async (ctx: Ctx) => {
        const { plan, observed } = await prepare(ctx, { mode: 'delete' });
        ctx.out.result(planJson(plan), () => renderPlan(plan));
        if (ctx.options.dryRun || !hasChanges(plan)) return;
        const count = plan.steps.filter((s) => s.action === 'delete').length;
        await confirm(ctx.io, {
          action: `delete these ${count} object(s) from the gateway`,
          yes: ctx.options.yes,
        });
        await ctx.out.progress('Deleting', () => executePlan(ctx.client, plan, observed));
        ctx.out.note(`Deleted ${count} object(s).`);
      }),
    );
}

async function prepare(
  ctx: Ctx,
  options: Omit<PlanOptions, 'managedBy'>,
): Promise<{ plan: Plan; observed: Observed }> {
  const sources = await readManifestSources(
    ctx.io,
    ctx.options.filename,
    ctx.options.recursive === true,
  );
  const { manifests, errors } = parseManifests(sources);
  if (errors.length > 0)
    throw new CliError(`invalid manifests, nothing was changed:\n  ${errors.join('\n  ')}`);
  if (manifests.length === 0) throw new CliError('the files hold no manifests');
  const observed = await ctx.out.progress('Reading the gateway', () => observe(ctx.client));
  const plan = planChanges(manifests, observed, { ...options, managedBy: MANAGED_BY });
  for (const warning of plan.warnings) ctx.out.note(`warning: ${warning}`);
  if (plan.errors.length > 0)
    throw new CliError(`cannot plan, nothing was changed:\n  ${plan.errors.join('\n  ')}`);
  return { plan, observed };
}

async function apply(ctx: Ctx): Promise<void> {
  const { plan, observed } = await prepare(ctx, { mode: 'apply', prune: ctx.options.prune });
  if (ctx.options.dryRun || !hasChanges(plan)) {
    ctx.out.result(
      planJson(plan),
      () => renderPlan(plan) + (hasChanges(plan) ? '\n(dry run: nothing was changed)' : ''),
    );
    return;
  }
  const secrets = await ctx.out.progress('Applying', () => executePlan(ctx.client, plan, observed));
  if (ctx.options.secretsOut) writeSecrets(ctx.options.secretsOut, secrets);
  const printed = ctx.options.secretsOut ? [] : secrets;
  ctx.out.result(
    {
      ...planJson(plan),
      secrets: printed.map((s) => ({
        kind: s.step.kind,
        name: s.step.name,
        key_alias: s.keyAlias,
        key: s.key,
      })),
    },
    () => renderPlan(plan).replace(/^Plan: /m, 'Applied: '),
  );
  for (const s of printed)
    ctx.out.secret(`Secret of key ${s.keyAlias} (${s.step.kind} ${s.step.name})`, s.key);
  if (ctx.options.secretsOut && secrets.length > 0) {
    ctx.out.note(`${secrets.length} key secret(s) appended to ${ctx.options.secretsOut}`);
  }
}

function planJson(plan: Plan): Record<string, unknown> {
  return {
    steps: plan.steps.map(({ call: _call, secret: _secret, ...step }) => step),
    warnings: plan.warnings,
  };
}

/** Appends Secrets named as the LiteLLM operator names them, readable by the owner only. */
function writeSecrets(file: string, secrets: readonly DisclosedSecret[]): void {
  if (secrets.length === 0) return;
  const documents = secrets.map((s) =>
    stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: s.secretName, labels: { 'app.kubernetes.io/managed-by': MANAGED_BY } },
      type: 'Opaque',
      stringData: { key: s.key },
    }),
  );
  const existed = existsSync(file);
  appendFileSync(file, `${existed ? '---\n' : ''}${documents.join('---\n')}`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

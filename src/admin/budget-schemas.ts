/**
 * The bodies of the /budget/* routes (LiteLLM's BudgetNewRequest, BudgetRequest, BudgetDeleteRequest).
 */
import { z } from 'zod';
import { KeyFieldsSchema } from './key-schemas.js';

const shared = KeyFieldsSchema.shape;
const amount = z.number().nullable().optional();

/** A budget's settings: what /budget/new takes, and an organization's budget. */
export const BudgetFieldsSchema = z.object({
  max_budget: amount,
  soft_budget: amount,
  max_parallel_requests: shared.max_parallel_requests,
  tpm_limit: shared.tpm_limit,
  rpm_limit: shared.rpm_limit,
  budget_duration: shared.budget_duration,
  model_max_budget: shared.model_max_budget,
});
export type BudgetFields = z.infer<typeof BudgetFieldsSchema>;

export const NewBudgetSchema = BudgetFieldsSchema.extend({
  budget_id: z.string().min(1).nullable().optional(),
});
export type NewBudgetInput = z.infer<typeof NewBudgetSchema>;

/** `budget_id` is checked by the service, for LiteLLM's 400 "budget_id is required". */
export const UpdateBudgetSchema = BudgetFieldsSchema.extend({
  budget_id: z.string().nullable().optional(),
});
export type UpdateBudgetInput = z.infer<typeof UpdateBudgetSchema>;

/** `budgets` is checked by the service, for LiteLLM's 400 on an empty list. */
export const BudgetInfoSchema = z.object({ budgets: z.array(z.string().min(1)) });

export const BudgetSettingsQuerySchema = z.object({ budget_id: z.string().min(1) });

export const BudgetListQuerySchema = z.object({});

export const DeleteBudgetSchema = z.object({ id: z.string().min(1) });

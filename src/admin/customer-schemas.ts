/**
 * The bodies and queries of the /customer/* (and /end_user/*) routes: LiteLLM's NewCustomerRequest
 * and UpdateCustomerRequest, with the budget settings Tollgate stores for a customer.
 */
import { z } from 'zod';
import { KeyFieldsSchema } from './key-schemas.js';

const shared = KeyFieldsSchema.shape;

const CustomerFieldsSchema = z.object({
  alias: z.string().nullable().optional(),
  blocked: z.boolean().nullable().optional(),
  max_budget: shared.max_budget,
  budget_duration: shared.budget_duration,
  tpm_limit: shared.tpm_limit,
  rpm_limit: shared.rpm_limit,
  max_parallel_requests: shared.max_parallel_requests,
  soft_budget: shared.soft_budget,
  allowed_model_region: z.enum(['eu', 'us']).nullable().optional(),
  default_model: z.string().min(1).nullable().optional(),
  metadata: shared.metadata,
  spend: z.number().nonnegative().nullable().optional(),
  /** Budgets kept in LiteLLM's budget table; Tollgate stores a customer's budget on the row. */
  budget_id: z.string().nullable().optional(),
});
export type CustomerFields = z.infer<typeof CustomerFieldsSchema>;

export const NewCustomerSchema = CustomerFieldsSchema.extend({ user_id: z.string().min(1) });
export type NewCustomerInput = z.infer<typeof NewCustomerSchema>;

export const UpdateCustomerSchema = NewCustomerSchema;
export type UpdateCustomerInput = NewCustomerInput;

export const CustomerIdsSchema = z.object({ user_ids: z.array(z.string().min(1)).min(1) });
export type CustomerIdsInput = z.infer<typeof CustomerIdsSchema>;

export const CustomerInfoQuerySchema = z.object({ end_user_id: z.string().min(1) });

export const CustomerListQuerySchema = z.object({});

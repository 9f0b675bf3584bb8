/** The /budget/* routes: parse, call the BudgetService, return its JSON. */
import type { FastifyInstance } from 'fastify';
import { addAdminRoute, noDatabase } from './admin-route.js';
import {
  BudgetInfoSchema,
  BudgetListQuerySchema,
  BudgetSettingsQuerySchema,
  DeleteBudgetSchema,
  NewBudgetSchema,
  UpdateBudgetSchema,
} from './budget-schemas.js';
import type { BudgetService } from './budget-service.js';

export interface BudgetRouteDeps {
  /** Absent when the gateway runs without a database. */
  budgets?: BudgetService;
}

export function registerBudgetRoutes(app: FastifyInstance, deps: BudgetRouteDeps): void {
  const budgets = (route: string): BudgetService => {
    if (!deps.budgets) throw noDatabase(route);
    return deps.budgets;
  };
  addAdminRoute(app, {
    method: 'POST',
    url: '/budget/new',
    input: NewBudgetSchema,
    handle: (input, caller) => budgets('/budget/new').create(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/budget/update',
    input: UpdateBudgetSchema,
    handle: (input, caller) => budgets('/budget/update').update(caller, input),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/budget/info',
    input: BudgetInfoSchema,
    handle: (input) => budgets('/budget/info').info(input.budgets),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/budget/list',
    input: BudgetListQuerySchema,
    handle: (_input, caller) => budgets('/budget/list').list(caller),
  });
  addAdminRoute(app, {
    method: 'GET',
    url: '/budget/settings',
    input: BudgetSettingsQuerySchema,
    handle: (input, caller) => budgets('/budget/settings').settingsOf(caller, input.budget_id),
  });
  addAdminRoute(app, {
    method: 'POST',
    url: '/budget/delete',
    input: DeleteBudgetSchema,
    handle: (input, caller) => budgets('/budget/delete').delete(caller, input.id),
  });
}

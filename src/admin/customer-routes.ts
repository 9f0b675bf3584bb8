/**
 * The /customer/* routes and their /end_user/* aliases: parse, call the CustomerService, return
 * its JSON.
 */
import type { FastifyInstance } from 'fastify';
import { addAdminRoute, noDatabase } from './admin-route.js';
import {
  CustomerIdsSchema,
  CustomerInfoQuerySchema,
  CustomerListQuerySchema,
  NewCustomerSchema,
  UpdateCustomerSchema,
} from './customer-schemas.js';
import type { CustomerService } from './customer-service.js';

export interface CustomerRouteDeps {
  /** Absent when the gateway runs without a database. */
  customers?: CustomerService;
}

export const CUSTOMER_PREFIXES = ['/customer', '/end_user'] as const;

export function registerCustomerRoutes(app: FastifyInstance, deps: CustomerRouteDeps): void {
  const customers = (route: string): CustomerService => {
    if (!deps.customers) throw noDatabase(route);
    return deps.customers;
  };
  for (const prefix of CUSTOMER_PREFIXES) {
    const at = (path: string) => `${prefix}${path}`;
    addAdminRoute(app, {
      method: 'POST',
      url: at('/new'),
      input: NewCustomerSchema,
      handle: (input, caller) => customers(at('/new')).create(caller, input),
    });
    addAdminRoute(app, {
      method: 'GET',
      url: at('/info'),
      input: CustomerInfoQuerySchema,
      handle: (input, caller) => customers(at('/info')).info(caller, input.end_user_id),
    });
    addAdminRoute(app, {
      method: 'GET',
      url: at('/list'),
      input: CustomerListQuerySchema,
      handle: (_input, caller) => customers(at('/list')).list(caller),
    });
    addAdminRoute(app, {
      method: 'POST',
      url: at('/update'),
      input: UpdateCustomerSchema,
      handle: (input, caller) => customers(at('/update')).update(caller, input),
    });
    addAdminRoute(app, {
      method: 'POST',
      url: at('/delete'),
      input: CustomerIdsSchema,
      handle: (input, caller) => customers(at('/delete')).delete(caller, input),
    });
    addAdminRoute(app, {
      method: 'POST',
      url: at('/block'),
      input: CustomerIdsSchema,
      handle: (input, caller) => customers(at('/block')).block(caller, input),
    });
    addAdminRoute(app, {
      method: 'POST',
      url: at('/unblock'),
      input: CustomerIdsSchema,
      handle: (input, caller) => customers(at('/unblock')).unblock(caller, input),
    });
  }
}

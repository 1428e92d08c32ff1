/**
 * The workspace function's routes: setting up and filing rather than working the queue —
 * administration (mailboxes, departments, members, labels, preferences), email accounts,
 * templates, signatures and drafts, contacts and cases. API Gateway sends exactly
 * {@link WORKSPACE_ROUTE_KEYS} there (infra/constructs/http-api.ts), as the local stack does; the
 * rest of `/api` goes to the API function (routes-core.ts), whose bundle stays free of this code.
 */
import { routeKeyOf, type AnyRoute } from './router.js';
import type { ApiDeps } from './routes-core.js';
import { createAccountRoutes } from './routes-accounts.js';
import { createAdminRoutes } from './routes-admin.js';
import { createCaseRoutes } from './routes-cases.js';
import { createContactRoutes } from './routes-contacts.js';
import { createDraftRoutes } from './routes-drafts.js';
import { createTemplateRoutes } from './routes-templates.js';

export function createWorkspaceRoutes(deps: ApiDeps): AnyRoute[] {
  return [
    ...createAdminRoutes(deps),
    ...createDraftRoutes(deps),
    ...createTemplateRoutes(deps),
    ...createAccountRoutes(deps),
    ...createContactRoutes(deps),
    ...createCaseRoutes(deps),
  ];
}

/** The OpenAPI document's route, public; served by the workspace function, which knows every route. */
export const OPENAPI_ROUTE_KEY = 'GET /api/openapi.json';

/**
 * Route keys of the workspace function. Routes are plain definitions until a request reaches
 * them, so building them without dependencies is enough to read their keys.
 */
export const WORKSPACE_ROUTE_KEYS: readonly string[] = [...createWorkspaceRoutes({} as ApiDeps).map(routeKeyOf), OPENAPI_ROUTE_KEY];

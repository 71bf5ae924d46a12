/**
 * Types shared by the HTTP modules (route groups, middleware, route table, OpenAPI): kept apart
 * so that no two HTTP modules import each other.
 */
import type { AdminService } from '../services/admin.js';
import type { AuthzService } from '../services/authz.js';
import type { CaService } from '../services/ca.js';
import type { Ctx } from '../services/common.js';
import type { CscService } from '../services/csc.js';
import type { SignDocService } from '../services/signdoc.js';
import type { JsonSchema } from './schema.js';

/** Hono context variables set by the middleware. */
export type Env = {
  Variables: {
    requestId: string;
    /** Operator id (set by the `operator` middleware). */
    operator: string;
    /** Client id (set by `client`, `clientOrCredentialToken` or `clientCredentials`). */
    clientId: string;
    /** The credential-scoped token when it authenticated the request (it is also the SAD). */
    credentialToken: string | undefined;
  };
};

/** The services the HTTP layer calls, built by the composition root (server.ts). */
export interface Services {
  ctx: Ctx;
  admin: AdminService;
  ca: CaService;
  csc: CscService;
  authz: AuthzService;
  signDoc: SignDocService;
}

/** How a route authenticates its caller (route table and OpenAPI `security`). */
export type RouteAuth = 'operator' | 'client' | 'clientSecret';

/** One row of the route table ({@link ROUTES}). */
export interface RouteDoc {
  /** HTTP method. */
  method: 'get' | 'post';
  /** Hono path (`:param`). */
  path: string;
  /** One-line description (OpenAPI summary, /docs page). */
  summary: string;
  /** OpenAPI tag: the route group. */
  tag: 'health' | 'admin' | 'pki' | 'csc' | 'docs';
  /**
   * Who may call it: 'operator' (operator API key as Bearer), 'client' (access token from
   * oauth2/token), 'clientSecret' (client_id and client_secret, Basic or form). Absent: public.
   */
  auth?: RouteAuth;
  /** JSON Schema of the request body, enforced before the handler runs (unknown fields refused where the schema says so). */
  body?: JsonSchema;
  /** Non-JSON request content type. */
  contentType?: string;
  /** Response content type (default application/json). */
  produces?: string;
}

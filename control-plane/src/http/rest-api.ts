import type { IncomingMessage, ServerResponse } from 'node:http';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { AnyProcedure } from '@trpc/server';
import { PorticoError } from '../errors.js';
import type { AppRouter } from '../router.js';
import type { Deps } from '../trpc/context.js';
import { toErrorBody, type Meta } from '../trpc/init.js';
import { createCallerFactory } from '../trpc/procedures.js';
import { readJsonBody } from './read-json-body.js';
import { createRequestContext } from './request-context.js';

interface Route {
  method: string;
  pattern: RegExp;
  params: string[];
  path: string[];
}

/** One route per procedure that declares `meta.openapi`; built once, matched per request. */
function buildRoutes(router: AppRouter): Route[] {
  const routes: Route[] = [];
  for (const [path, procedure] of Object.entries(router._def.procedures as unknown as Record<string, AnyProcedure>)) {
    const openapi = (procedure._def.meta as Meta | undefined)?.openapi;
    if (!openapi) continue;
    const params: string[] = [];
    const source = openapi.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{(\w+)\\?\}/g, (_, name: string) => {
      params.push(name);
      return '([^/]+)';
    });
    routes.push({ method: openapi.method, pattern: new RegExp(`^${source}/?$`), params, path: path.split('.') });
  }
  return routes;
}

function queryInput(url: URL): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    input[key] = values.length === 1 ? values[0] : values;
  }
  return input;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify(body));
}

/**
 * The REST façade: `/api/v1/...` calls the same procedures as tRPC through a server-side
 * caller, so permissions, validation, audit and errors are identical on both.
 */
export function createRestHandler(deps: Deps, router: AppRouter, prefix = '/api/v1') {
  const routes = buildRoutes(router);
  const createCaller = createCallerFactory(router);

  return async function handleRest(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.slice(prefix.length) || '/';
    try {
      const matching = routes.filter((r) => r.pattern.test(path));
      const route = matching.find((r) => r.method === req.method);
      if (!route) {
        if (matching.length > 0) {
          res.setHeader('Allow', matching.map((r) => r.method).join(', '));
          throw new PorticoError('CP_ERR_METHOD_NOT_ALLOWED', { message: `${req.method} is not allowed on ${path}` });
        }
        throw new PorticoError('CP_ERR_NOT_FOUND', { message: `No API route ${req.method} ${prefix}${path}` });
      }
      const pathValues = route.pattern
        .exec(path)!
        .slice(1)
        .map((v) => decodeURIComponent(v));
      const pathInput = Object.fromEntries(route.params.map((name, i) => [name, pathValues[i]]));
      let input: unknown;
      if (req.method === 'GET') {
        input = { ...queryInput(url), ...pathInput };
      } else {
        const body = await readJsonBody(req, deps.config.bodyLimitBytes);
        if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
          throw new PorticoError('CP_ERR_VALIDATION', {
            message: 'The request body must be a JSON object',
            fields: { '(body)': ['Expected an object'] },
          });
        }
        for (const [name, value] of Object.entries(pathInput)) {
          const fromBody = (body as Record<string, unknown> | undefined)?.[name];
          if (fromBody !== undefined && fromBody !== value) {
            throw new PorticoError('CP_ERR_VALIDATION', {
              message: `${name} in the body differs from the URL`,
              fields: { [name]: ['Differs from the URL'] },
            });
          }
        }
        input = body === undefined && route.params.length === 0 ? undefined : { ...body, ...pathInput };
      }
      const ctx = await createRequestContext(deps, req, res, requestId);
      let target: unknown = createCaller(ctx);
      for (const segment of route.path) target = (target as Record<string, unknown>)[segment];
      const result = await (target as (input: unknown) => Promise<unknown>)(input);
      send(res, 200, result);
    } catch (cause) {
      const error = cause instanceof TRPCError ? cause : new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause });
      const status = getHTTPStatusCodeFromError(error);
      if (status >= 500) deps.logger.error({ err: error.cause ?? error, requestId, path }, 'REST request failed');
      if (error instanceof PorticoError && error.retryAfterSeconds !== undefined)
        res.setHeader('Retry-After', String(error.retryAfterSeconds));
      if (status === 413) res.setHeader('Connection', 'close');
      send(res, status, { error: toErrorBody(error, requestId) });
    }
  };
}

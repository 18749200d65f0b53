import type { IncomingMessage, ServerResponse } from 'node:http';
import Koa from 'koa';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { Database } from './db/client.js';
import { PorticoError } from './errors.js';
import { createOpenApiDocument } from './http/openapi-document.js';
import { createRequestContext, requestIdOf } from './http/request-context.js';
import { createRestHandler } from './http/rest-api.js';
import { appRouter } from './router.js';
import type { Deps } from './trpc/context.js';

export const VERSION = '0.1.0';

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(JSON.stringify(body));
}

/** The control plane's HTTP surface: health, tRPC at /trpc, REST at /api/v1, OpenAPI. */
export function createApp(deps: Deps, database: Pick<Database, 'ready'>): Koa {
  const app = new Koa({ proxy: deps.config.trustProxy });
  const openApi = JSON.stringify(createOpenApiDocument(appRouter, `${deps.config.publicUrl}/api/v1`, VERSION));
  const rest = createRestHandler(deps, appRouter);
  const requestIds = new WeakMap<IncomingMessage, string>();
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: deps.config.bodyLimitBytes,
    createContext: ({ req, res }) => createRequestContext(deps, req, res, requestIds.get(req) ?? requestIdOf(req)),
    responseMeta({ errors }) {
      const retryAfter = errors.find((e): e is PorticoError => e instanceof PorticoError && e.retryAfterSeconds !== undefined);
      return retryAfter ? { headers: { 'Retry-After': String(retryAfter.retryAfterSeconds) } } : {};
    },
    onError({ error, path }) {
      if (error.code === 'INTERNAL_SERVER_ERROR') deps.logger.error({ err: error.cause ?? error, path }, 'tRPC request failed');
    },
  });

  app.use(async (ctx, next) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(ctx.req);
    requestIds.set(ctx.req, requestId);
    ctx.res.setHeader('X-Request-Id', requestId);
    ctx.res.on('finish', () => {
      // Path only: query strings are the caller's business and may carry identifiers.
      deps.logger.info(
        {
          requestId,
          method: ctx.req.method,
          path: ctx.path,
          status: ctx.res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    await next();
  });

  app.use(async (ctx, next) => {
    const { path } = ctx;
    const requestId = requestIds.get(ctx.req)!;
    if (path === '/healthz') {
      ctx.body = { status: 'ok', version: VERSION };
    } else if (path === '/readyz') {
      const ready = await database.ready();
      ctx.status = ready ? 200 : 503;
      ctx.body = ready ? { status: 'ready' } : { status: 'not ready', reason: 'database unreachable or migrations pending' };
    } else if (path === '/api/openapi.json') {
      ctx.type = 'application/json';
      ctx.body = openApi;
    } else if (path.startsWith('/trpc/')) {
      // Hand the raw request to tRPC; Koa must not answer it (nor preset 404, which breaks SSE).
      ctx.respond = false;
      ctx.res.statusCode = 200;
      trpc(ctx.req, ctx.res);
    } else if (path === '/api/v1' || path.startsWith('/api/v1/')) {
      ctx.respond = false;
      await rest(ctx.req, ctx.res, requestId);
    } else {
      await next();
    }
  });

  app.use((ctx) => {
    ctx.respond = false;
    sendJson(ctx.res, 404, {
      error: { code: 'CP_ERR_NOT_FOUND', message: `No route ${ctx.method} ${ctx.path}`, requestId: requestIds.get(ctx.req) },
    });
  });

  app.on('error', (error: unknown) => deps.logger.error({ err: error }, 'unhandled HTTP error'));
  return app;
}

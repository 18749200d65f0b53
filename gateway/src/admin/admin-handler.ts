import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayMetrics } from './metrics.js';

export interface AdminHandlerOptions {
  metrics: GatewayMetrics;
  /** True once a config is being served (from the control plane or the local backup). */
  ready: () => boolean;
  /** Extra fields for /healthz and the /readyz refusal: revision, transport state… */
  status: () => Record<string, unknown>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/**
 * The admin listener: `/healthz` (process alive), `/readyz` (serving a config), `/metrics`
 * (Prometheus). It runs on its own port, apart from tenant traffic.
 */
export function createAdminHandler(options: AdminHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { metrics, ready, status } = options;
  return function handleAdmin(req, res) {
    const path = (req.url ?? '/').split('?', 1)[0];
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      sendJson(res, 405, { statusCode: 405, code: 'method_not_allowed', message: 'The admin endpoints answer GET only.' });
      return;
    }
    if (path === '/healthz') {
      sendJson(res, 200, { status: 'ok', ...status() });
    } else if (path === '/readyz') {
      if (ready()) sendJson(res, 200, { status: 'ready' });
      else
        sendJson(res, 503, {
          status: 'not_ready',
          reason: 'no config applied yet: waiting for a snapshot or a local backup',
          ...status(),
        });
    } else if (path === '/metrics') {
      metrics.text().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType, 'content-length': Buffer.byteLength(text) });
          res.end(text);
        },
        (error: unknown) => sendJson(res, 500, { statusCode: 500, code: 'metrics_failed', message: String(error) }),
      );
    } else {
      sendJson(res, 404, { statusCode: 404, code: 'not_found', message: 'Admin endpoints: /healthz, /readyz, /metrics.' });
    }
  };
}

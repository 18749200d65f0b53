/** Public entry of the gateway package. */
export * from './schemas.js';
export {
  ConfigCompileError,
  compileConfig,
  retireConfig,
  type CompiledApi,
  type CompiledConfig,
  type CompiledOperation,
} from './runtime/compile-config.js';
export type { CompiledPipeline } from './runtime/compile-pipelines.js';
export { createTrafficHandler, handleTrafficClientError, type TrafficHandlerOptions } from './runtime/traffic-handler.js';
export type { TrafficLog } from './runtime/proxy-exchange.js';
export { GatewayMetrics, type UpstreamErrorReason } from './admin/metrics.js';
export { createAdminHandler, type AdminHandlerOptions } from './admin/admin-handler.js';

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
export { settleDemand, demandProblem, MAX_COUNTER_LENGTH, type QuotaCounterState } from './policies/quota/quota-ledger.js';
export {
  tracePipeline,
  type TraceInput,
  type TraceRequest,
  type TraceBackendResponse,
  type TraceResult,
  type TraceStep,
  type TraceEffect,
  type TraceMessage,
} from './pipeline/trace-pipeline.js';
export { PipelineCompileError } from './pipeline/compile-pipeline.js';
export { matchUrlTemplate } from './runtime/match-url-template.js';

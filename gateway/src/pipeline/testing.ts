import { create } from '@bufbuild/protobuf';
import { PipelineSchema, StatementSchema, type Pipeline } from '@portico/proto';
import { createExpressionCompiler, defaultExpressionBudget, type ExpressionBudget } from '../expressions/compile-expression.js';
import { compilePolicyPipeline } from './compile-pipeline.js';
import { runOfflineExchange, StaticBackend, type StaticAnswer } from './offline-exchange.js';
import { PolicyContext, type PolicyBackend, type PolicyContextInit, type PolicyRequestInit } from './policy-context.js';
import { runSection, type PolicyPipeline } from './run-pipeline.js';
import type { CompileDeps, PolicyLogger } from './statement-handler.js';
import { PolicyServices } from './policy-services.js';

export { runOfflineExchange, StaticBackend, type SentRequest, type StaticAnswer } from './offline-exchange.js';

/** A policy document as the control plane flattens it: section → `{ policy: config }` list. */
export interface TestDocument {
  inbound?: Record<string, unknown>[];
  backend?: Record<string, unknown>[];
  outbound?: Record<string, unknown>[];
  'on-error'?: Record<string, unknown>[];
}

export interface TestOptions {
  namedValues?: Record<string, string>;
  budget?: Partial<ExpressionBudget>;
  context?: Omit<PolicyContextInit, 'request' | 'requestId'>;
  /** Shared state (counters, caches) to keep across compiles; a fresh set by default. */
  services?: PolicyServices;
  /** The backend's answer, for outbound: status, flat headers, body (a StaticBackend answers with it). */
  backendResponse?: { status: number; headers?: string[]; body?: string };
  /** What forward-request (and the implicit forward of runExchange) calls; a StaticBackend of `backendResponse` by default. */
  backend?: PolicyBackend;
}

export const silentLogger: PolicyLogger = { warn: () => undefined, error: () => undefined };

/** The proto Pipeline the control plane would send for `document`. */
export function pipelineOf(document: TestDocument): Pipeline {
  const statements = (list: Record<string, unknown>[] | undefined) =>
    (list ?? []).map((statement) => {
      const [policy = '', config = null] = Object.entries(statement)[0] ?? [];
      return create(StatementSchema, { policy, configJson: JSON.stringify(config), originScope: 'api', originId: 'api_test' });
    });
  return create(PipelineSchema, {
    operationId: 'op_test',
    productId: '',
    inbound: statements(document.inbound),
    backend: statements(document.backend),
    outbound: statements(document.outbound),
    onError: statements(document['on-error']),
  });
}

export function testDeps(options: TestOptions = {}): CompileDeps {
  return {
    namedValues: new Map(Object.entries(options.namedValues ?? {})),
    expressions: createExpressionCompiler(new Map(Object.entries(options.namedValues ?? {})), {
      ...defaultExpressionBudget,
      ...options.budget,
    }),
    logger: silentLogger,
    services: options.services ?? new PolicyServices(),
  };
}

export function compileTestPipeline(document: TestDocument, options: TestOptions = {}): PolicyPipeline {
  return compilePolicyPipeline(pipelineOf(document), testDeps(options));
}

export function testContext(request: Partial<PolicyRequestInit> = {}, options: TestOptions = {}): PolicyContext {
  return new PolicyContext({
    ...options.context,
    request: { method: 'GET', path: '/', ip: '203.0.113.9', ...request },
    requestId: 'req-test',
    backend: options.backend ?? new StaticBackend(options.backendResponse ?? DEFAULT_ANSWER),
  });
}

/** Compiles `document` and runs its inbound section on a request; returns the context. */
export async function runInbound(
  document: TestDocument,
  request: Partial<PolicyRequestInit> = {},
  options: TestOptions = {},
): Promise<PolicyContext> {
  const ctx = testContext(request, options);
  await runSection(compileTestPipeline(document, options), 'inbound', ctx);
  return ctx;
}

const DEFAULT_ANSWER: StaticAnswer = { status: 200 };

/**
 * Runs the whole exchange in process (runOfflineExchange): inbound, backend, the backend call
 * answered by `options.backend` (a StaticBackend of `backendResponse` by default), outbound,
 * on-error on a failure.
 */
export async function runExchange(
  document: TestDocument,
  request: Partial<PolicyRequestInit> = {},
  options: TestOptions = {},
): Promise<PolicyContext> {
  const pipeline = compileTestPipeline(document, options);
  const ctx = testContext(request, options);
  await runOfflineExchange(pipeline, ctx);
  return ctx;
}

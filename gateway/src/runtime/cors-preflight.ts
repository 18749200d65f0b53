import { answerUnmatchedPreflight } from '../policies/cors/compile.js';
import type { PolicyPipeline } from '../pipeline/run-pipeline.js';
import type { StatementHandler } from '../pipeline/statement-handler.js';
import type { CompiledPipeline } from './compile-pipelines.js';

// Built once per compiled pipeline (so once per config revision that changed it), on the first
// preflight that needs it: a derived view of compiled config, nothing taken from the request.
const preflightPipelines = new WeakMap<CompiledPipeline, PolicyPipeline | null>();

function buildPreflightPipeline(compiled: CompiledPipeline): PolicyPipeline | null {
  const policies = compiled.policies;
  const statements = compiled.inbound;
  if (policies === null || policies.inbound === null || statements === null) return null;
  const handlers: StatementHandler[] = [];
  // Top-level inbound statements and their handlers are index-aligned (compile-pipeline.ts).
  statements.forEach((statement, index) => {
    if ('cors' in statement) handlers.push(policies.inbound![index]!);
  });
  if (handlers.length === 0) return null;
  handlers.push(answerUnmatchedPreflight);
  return { ...policies, inbound: handlers, backend: null, outbound: null, needsRequestBody: false, responseBody: 'none' };
}

/**
 * What a CORS preflight runs for an operation (Azure: "only the cors policy is evaluated on the
 * OPTIONS request during preflight"): the cors statements that are direct children of its
 * inbound, in order, then an empty 200 when none answered. `null` when the pipeline has no cors
 * statement: the preflight is then answered like any OPTIONS.
 */
export function preflightPipeline(compiled: CompiledPipeline): PolicyPipeline | null {
  let pipeline = preflightPipelines.get(compiled);
  if (pipeline === undefined) {
    pipeline = buildPreflightPipeline(compiled);
    preflightPipelines.set(compiled, pipeline);
  }
  return pipeline;
}

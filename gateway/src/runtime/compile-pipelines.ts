import { equals } from '@bufbuild/protobuf';
import { OperationSchema, PipelineSchema, type Operation, type Pipeline, type Statement } from '@portico/proto';
import { compilePolicyPipeline, PipelineCompileError } from '../pipeline/compile-pipeline.js';
import type { PolicyPipeline } from '../pipeline/run-pipeline.js';
import type { CompileDeps } from '../pipeline/statement-handler.js';
import { formatPath, issuesToErrors } from '../policies/issue-errors.js';
import { policyDocumentSchema, type PolicyDocument } from '../policies/policy-document.js';
import type { PolicyStatement } from '../policies/policy-statement.js';

/**
 * The validated statements of one operation (× product), each section `null` when empty
 * (CONVENTIONS §3), and the handlers they compile to.
 */
export interface CompiledPipeline {
  readonly operationId: string;
  readonly productId: string;
  readonly inbound: readonly PolicyStatement[] | null;
  readonly backend: readonly PolicyStatement[] | null;
  readonly outbound: readonly PolicyStatement[] | null;
  readonly onError: readonly PolicyStatement[] | null;
  /** The compiled handlers; `null` when no section has any: the request path then streams as if there were no pipeline. */
  readonly policies: PolicyPipeline | null;
  /** The pipeline it was compiled from, to reuse this compile when the next view carries it unchanged. */
  readonly source: Pipeline;
  /** Its operation (schemas and examples are compiled into validate-content, mock-response). */
  readonly operation: Operation | undefined;
  /** The named values its statements reference (`{{name}}`), with the values compiled in. */
  readonly namedValuesUsed: ReadonlyMap<string, string | undefined>;
  /** Its API's GraphQL SDL (compiled into validate-graphql-request): a re-imported schema recompiles. */
  readonly graphqlSchema: string;
}

export class PipelineError extends Error {}

const SECTIONS = [
  ['inbound', 'inbound'],
  ['backend', 'backend'],
  ['outbound', 'outbound'],
  ['onError', 'on-error'],
] as const;

function describe(pipeline: Pipeline): string {
  return `pipeline ${pipeline.operationId} × ${pipeline.productId === '' ? '(no product)' : pipeline.productId}`;
}

function parseStatements(pipeline: Pipeline, statements: Statement[], section: string): unknown[] {
  return statements.map((statement, index) => {
    try {
      return { [statement.policy]: JSON.parse(statement.configJson) as unknown };
    } catch (error) {
      throw new PipelineError(
        `${describe(pipeline)} ${section}[${index}] ${statement.policy}: config_json is not JSON (${(error as Error).message})`,
      );
    }
  });
}

const NAMED_VALUE = /\{\{([A-Za-z0-9._-]+)\}\}/g;

function namedValuesOf(pipeline: Pipeline, namedValues: ReadonlyMap<string, string>): Map<string, string | undefined> {
  const used = new Map<string, string | undefined>();
  for (const list of [pipeline.inbound, pipeline.backend, pipeline.outbound, pipeline.onError]) {
    for (const statement of list) {
      for (const match of statement.configJson.matchAll(NAMED_VALUE)) used.set(match[1]!, namedValues.get(match[1]!));
    }
  }
  return used;
}

function sameOperation(a: Operation | undefined, b: Operation | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a === b || equals(OperationSchema, a, b);
}

function sameNamedValues(used: ReadonlyMap<string, string | undefined>, namedValues: ReadonlyMap<string, string>): boolean {
  for (const [name, value] of used) if (namedValues.get(name) !== value) return false;
  return true;
}

/**
 * Validates a pipeline's statements with the policy document schema the control plane uses at
 * write time (same catalogue, same section rules), then compiles them into handlers; throws
 * PipelineError naming the statement (an invalid config, or a policy with no runtime yet).
 * `previous` is reused when the pipeline's bytes and the named values it references are unchanged.
 */
export function compilePipeline(pipeline: Pipeline, deps: CompileDeps, previous?: CompiledPipeline): CompiledPipeline {
  // Compared only when there is a previous compile: a first apply (a snapshot) pays nothing for it.
  if (
    previous !== undefined &&
    equals(PipelineSchema, previous.source, pipeline) &&
    sameOperation(previous.operation, deps.operation) &&
    sameNamedValues(previous.namedValuesUsed, deps.namedValues) &&
    previous.graphqlSchema === (deps.api?.graphqlSchema ?? '')
  )
    return previous;
  const document: Record<string, unknown[]> = {};
  for (const [field, section] of SECTIONS) {
    if (pipeline[field].length > 0) document[section] = parseStatements(pipeline, pipeline[field], section);
  }
  const result = policyDocumentSchema.safeParse(document);
  if (!result.success) {
    const [first] = issuesToErrors(result.error.issues);
    throw new PipelineError(`${describe(pipeline)} ${first ? where(first.path) + first.message : result.error.message}`);
  }
  const parsed: PolicyDocument = result.data;
  const orNull = (list: PolicyStatement[] | null | undefined) => (list && list.length > 0 ? list : null);
  let policies: PolicyPipeline;
  try {
    policies = compilePolicyPipeline(pipeline, deps);
  } catch (error) {
    if (error instanceof PipelineCompileError)
      throw new PipelineError(`${describe(pipeline)} ${error.message}`, { cause: error });
    throw error;
  }
  const hasHandlers =
    policies.inbound !== null || policies.backend !== null || policies.outbound !== null || policies.onError !== null;
  return {
    operationId: pipeline.operationId,
    productId: pipeline.productId,
    inbound: orNull(parsed.inbound),
    backend: orNull(parsed.backend),
    outbound: orNull(parsed.outbound),
    onError: orNull(parsed['on-error']),
    policies: hasHandlers ? policies : null,
    source: pipeline,
    operation: deps.operation,
    namedValuesUsed: namedValuesOf(pipeline, deps.namedValues),
    graphqlSchema: deps.api?.graphqlSchema ?? '',
  };
}

// [section, index, policy, ...field path] → `inbound[1] rate-limit: calls: `.
function where(path: readonly PropertyKey[]): string {
  const [section, index, policy, ...rest] = path;
  if (typeof section !== 'string' || typeof index !== 'number') return path.length > 0 ? `${formatPath(path)}: ` : '';
  const head = `${section}[${index}]${typeof policy === 'string' ? ` ${policy}` : ''}`;
  return rest.length > 0 ? `${head}: ${formatPath(rest)}: ` : `${head}: `;
}

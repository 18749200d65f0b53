import { toBinary } from '@bufbuild/protobuf';
import { PipelineSchema, type Pipeline, type Statement } from '@portico/proto';
import { formatPath, issuesToErrors } from '../policies/issue-errors.js';
import { policyDocumentSchema, type PolicyDocument } from '../policies/policy-document.js';
import type { PolicyStatement } from '../policies/policy-statement.js';

/**
 * The validated statements of one operation (× product), each section `null` when empty
 * (CONVENTIONS §3). The policy engine (a later issue) compiles them into handlers.
 */
export interface CompiledPipeline {
  readonly operationId: string;
  readonly productId: string;
  readonly inbound: readonly PolicyStatement[] | null;
  readonly backend: readonly PolicyStatement[] | null;
  readonly outbound: readonly PolicyStatement[] | null;
  readonly onError: readonly PolicyStatement[] | null;
  /** The pipeline's encoding, to reuse this validation when the next view carries it unchanged. */
  readonly encoded: Buffer;
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

/**
 * Validates a pipeline's statements with the policy document schema the control plane uses at
 * write time (same catalogue, same section rules); throws PipelineError naming the statement.
 */
export function compilePipeline(pipeline: Pipeline, previous?: CompiledPipeline): CompiledPipeline {
  const encoded = Buffer.from(toBinary(PipelineSchema, pipeline));
  if (previous?.encoded.equals(encoded)) return previous;
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
  return {
    operationId: pipeline.operationId,
    productId: pipeline.productId,
    inbound: orNull(parsed.inbound),
    backend: orNull(parsed.backend),
    outbound: orNull(parsed.outbound),
    onError: orNull(parsed['on-error']),
    encoded,
  };
}

// [section, index, policy, ...field path] → `inbound[1] rate-limit: calls: `.
function where(path: readonly PropertyKey[]): string {
  const [section, index, policy, ...rest] = path;
  if (typeof section !== 'string' || typeof index !== 'number') return path.length > 0 ? `${formatPath(path)}: ` : '';
  const head = `${section}[${index}]${typeof policy === 'string' ? ` ${policy}` : ''}`;
  return rest.length > 0 ? `${head}: ${formatPath(rest)}: ` : `${head}: `;
}

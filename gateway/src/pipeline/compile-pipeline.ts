import type { Pipeline, Statement } from '@portico/proto';
import { ExpressionCompileError } from '../expressions/expression-error.js';
import { policyCatalogue, statementLists } from '../policies/catalogue.js';
import { formatPath, issuesToErrors } from '../policies/issue-errors.js';
import type { PolicyDefinition } from '../policies/policy-definition.js';
import type { PolicyName, PolicyStatement } from '../policies/policy-statement.js';
import { PolicySection } from '../policies/sections.js';
import { PipelineCompileError } from './pipeline-compile-error.js';
import { policyRuntimes, type PolicyFactory } from './policy-runtimes.js';
import type { PolicyPipeline } from './run-pipeline.js';
import type { CompileDeps, StatementDeps, StatementHandler, StatementOrigin } from './statement-handler.js';

export { PipelineCompileError };

const SECTIONS = [
  ['inbound', PolicySection.inbound],
  ['backend', PolicySection.backend],
  ['outbound', PolicySection.outbound],
  ['onError', PolicySection.onError],
] as const;

function parseStatement(statement: Statement, section: PolicySection, path: string): PolicyStatement {
  const name = statement.policy;
  if (!Object.hasOwn(policyCatalogue, name)) throw new PipelineCompileError(`${path}: unknown policy "${name}"`);
  const policy = name as PolicyName;
  if (policy === 'base') throw new PipelineCompileError(`${path} base: scopes must be flattened by the control plane`);
  const definition: PolicyDefinition = policyCatalogue[policy];
  if (!definition.sections.includes(section)) {
    throw new PipelineCompileError(`${path} ${name}: not allowed in ${section}`);
  }
  let config: unknown;
  try {
    config = JSON.parse(statement.configJson);
  } catch (error) {
    throw new PipelineCompileError(`${path} ${name}: config_json is not JSON (${(error as Error).message})`);
  }
  // Re-checked here for the defaults zod fills in and for nested lists' section rules.
  const schema = definition.withStatements ? definition.withStatements(statementLists.list(section, true)) : definition.schema;
  const result = schema.safeParse(config ?? {});
  if (!result.success) {
    const [first] = issuesToErrors(result.error.issues);
    const where = first && first.path.length > 0 ? `${formatPath(first.path)}: ` : '';
    throw new PipelineCompileError(`${path} ${name}: ${where}${first?.message ?? result.error.message}`);
  }
  return { [name]: result.data } as PolicyStatement;
}

/** What compiling one pipeline collects besides handlers. */
interface PipelineNeeds {
  requestBody: boolean;
  responseBody: boolean;
}

interface ListSite {
  readonly deps: CompileDeps;
  readonly section: PolicySection;
  readonly needs: PipelineNeeds;
  /** The top-level statement's origin and path in the pipeline; unset for top-level lists. */
  readonly origin?: StatementOrigin;
  readonly topPath?: string;
}

const UNKNOWN_ORIGIN: StatementOrigin = { scope: '', id: '', path: '' };

function originOf(statement: Statement | undefined, path: string): StatementOrigin {
  if (statement === undefined || statement.originScope === '') return { ...UNKNOWN_ORIGIN, path };
  return {
    scope: statement.originScope,
    id: statement.originId,
    path: statement.originPath === '' ? path : statement.originPath,
  };
}

function compileStatement(statement: PolicyStatement, site: ListSite, path: string, origin: StatementOrigin): StatementHandler {
  const [name] = Object.keys(statement) as PolicyName[];
  if (name === undefined) throw new PipelineCompileError(`${path}: empty statement`);
  if (name === 'include-fragment') {
    throw new PipelineCompileError(
      `${path} include-fragment: fragments are inlined by the control plane and never reach a gateway`,
    );
  }
  const factory = policyRuntimes[name] as PolicyFactory<PolicyName> | undefined;
  if (factory === undefined) throw new PipelineCompileError(`${path}: policy "${name}" has no runtime yet`);
  const topPath = site.topPath ?? path;
  const statementDeps: StatementDeps = {
    ...site.deps,
    section: site.section,
    path,
    origin,
    statementId: `${origin.scope}:${origin.id}:${origin.path}${path.slice(topPath.length)}`,
    compileStatements: (list, nestedPath) => compileList(list ?? [], { ...site, origin, topPath }, nestedPath),
    readsRequestBody: () => {
      site.needs.requestBody = true;
    },
    readsResponseBody: () => {
      site.needs.responseBody = true;
    },
  };
  try {
    return factory((statement as Record<PolicyName, never>)[name], statementDeps);
  } catch (error) {
    if (error instanceof PipelineCompileError) throw error;
    if (error instanceof ExpressionCompileError)
      throw new PipelineCompileError(`${path} ${name}: ${error.message}`, { cause: error });
    throw error;
  }
}

function compileList(
  list: readonly PolicyStatement[],
  site: ListSite,
  path: string,
  sources?: readonly Statement[],
): StatementHandler[] | null {
  if (list.length === 0) return null;
  return list.map((statement, index) => {
    const at = `${path}[${index}]`;
    return compileStatement(statement, site, at, site.origin ?? originOf(sources?.[index], at));
  });
}

/**
 * Compiles one flattened pipeline (proto `Pipeline`) into handler arrays, when a config revision
 * is applied. Throws PipelineCompileError naming `section[index] policy` for an unknown policy,
 * a bad config, or a policy that has no runtime yet.
 *
 * @example
 * const pipeline = compilePolicyPipeline(view.pipelines[0], deps);
 * const outcome = runSection(pipeline, 'inbound', ctx);
 */
export function compilePolicyPipeline(pipeline: Pipeline, deps: CompileDeps): PolicyPipeline {
  const readersBefore = deps.expressions.requestBodyReaders;
  const needs: PipelineNeeds = { requestBody: false, responseBody: false };
  const sections: Record<(typeof SECTIONS)[number][0], StatementHandler[] | null> = {
    inbound: null,
    backend: null,
    outbound: null,
    onError: null,
  };
  for (const [field, section] of SECTIONS) {
    const statements = pipeline[field].map((statement, index) => parseStatement(statement, section, `${section}[${index}]`));
    sections[field] = compileList(statements, { deps, section, needs }, section, pipeline[field]);
  }
  return {
    ...sections,
    needsRequestBody: needs.requestBody || deps.expressions.requestBodyReaders !== readersBefore,
    needsResponseBody: needs.responseBody,
    logger: deps.logger,
  };
}

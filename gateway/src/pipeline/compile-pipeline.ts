import type { Pipeline, Statement } from '@portico/proto';
import { ExpressionCompileError } from '../expressions/expression-error.js';
import { policyCatalogue, statementLists } from '../policies/catalogue.js';
import { formatPath, issuesToErrors } from '../policies/issue-errors.js';
import type { PolicyDefinition } from '../policies/policy-definition.js';
import type { PolicyName, PolicyStatement } from '../policies/policy-statement.js';
import { PolicySection } from '../policies/sections.js';
import { PipelineCompileError } from './pipeline-compile-error.js';
import { policyRuntimes, type PolicyFactory } from './policy-runtimes.js';
import type { PolicyContext } from './policy-context.js';
import { alwaysWanted, ResponseBodyNeed, type PolicyPipeline } from './run-pipeline.js';
import type { CompileDeps, ResponseBodyRead, StatementDeps, StatementHandler, StatementOrigin } from './statement-handler.js';

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
  /** A statement requires the backend's body. */
  responseBody: boolean;
  /** Optional readers' `when` tests; null once one of them wants every body. */
  responseBodyWhen: ((ctx: PolicyContext) => boolean)[] | null;
  optionalResponseBody: boolean;
}

function readResponseBody(needs: PipelineNeeds, read: ResponseBodyRead | undefined): void {
  if (read === undefined) {
    needs.responseBody = true;
    return;
  }
  needs.optionalResponseBody = true;
  if (read.when === undefined) needs.responseBodyWhen = null;
  else needs.responseBodyWhen?.push(read.when);
}

/** Any optional reader's test, as one function. */
function wantedBy(tests: ((ctx: PolicyContext) => boolean)[] | null): (ctx: PolicyContext) => boolean {
  if (tests === null || tests.length === 0) return alwaysWanted;
  if (tests.length === 1) return tests[0]!;
  return function anyReaderWants(ctx) {
    for (const test of tests) if (test(ctx)) return true;
    return false;
  };
}

function responseBodyNeed(needs: PipelineNeeds): ResponseBodyNeed {
  if (needs.responseBody) return ResponseBodyNeed.required;
  return needs.optionalResponseBody ? ResponseBodyNeed.optional : ResponseBodyNeed.none;
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
  if (name === 'base') throw new PipelineCompileError(`${path} base: scopes must be flattened by the control plane`);
  const factory = policyRuntimes[name] as PolicyFactory<PolicyName>;
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
    readsResponseBody: (read) => readResponseBody(site.needs, read),
  };
  try {
    const handler = factory((statement as Record<PolicyName, never>)[name], statementDeps);
    const tracer = site.deps.tracer;
    return tracer === undefined ? handler : tracer(handler, { section: site.section, path, policy: name, origin });
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
  const responseReadersBefore = deps.expressions.responseBodyReaders;
  const needs: PipelineNeeds = {
    requestBody: false,
    responseBody: false,
    responseBodyWhen: [],
    optionalResponseBody: false,
  };
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
  // An expression reading `response.body` needs it whole, as a statement without options does.
  if (deps.expressions.responseBodyReaders !== responseReadersBefore) needs.responseBody = true;
  const responseBody = responseBodyNeed(needs);
  return {
    ...sections,
    needsRequestBody: needs.requestBody || deps.expressions.requestBodyReaders !== readersBefore,
    responseBody,
    responseBodyWanted: responseBody === ResponseBodyNeed.optional ? wantedBy(needs.responseBodyWhen) : alwaysWanted,
    logger: deps.logger,
  };
}

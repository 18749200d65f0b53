import { ApiType, VersioningScheme, type Api, type GatewayView, type Operation } from '@portico/proto';
import { createExpressionCompiler } from '../expressions/compile-expression.js';
import type { ApiInfo, OperationInfo, ProductInfo } from '../pipeline/policy-context.js';
import { PolicyServices } from '../pipeline/policy-services.js';
import type { CompileDeps, PolicyLogger } from '../pipeline/statement-handler.js';
import { buildKeyIndex, openProductsByApi, type ApiAccess, type KeyIndex } from './access.js';
import { ApiRouter, type VersionBy } from './api-router.js';
import { compilePipeline, PipelineError, type CompiledPipeline } from './compile-pipelines.js';
import { subscriptionKeyMissing, type GatewayError } from './gateway-errors.js';
import { SegmentRouter } from './operation-router.js';
import { BackendError, compileBackend, type BackendUpstream } from './upstream/backend-upstream.js';
import { parseUrlTemplate, templateShape, type TemplateSegment } from './url-template.js';

/** The view could not be served as it is; the message names the entity at fault. */
export class ConfigCompileError extends Error {
  override readonly name = 'ConfigCompileError';
}

export interface CompiledOperation {
  readonly id: string;
  readonly method: string;
  readonly urlTemplate: string;
  /** Pipelines by product id; '' for calls through no product or a product without its own. */
  readonly pipelines: ReadonlyMap<string, CompiledPipeline>;
  /** The URL template, to bind its parameters for policies (only on requests that run some). */
  readonly segments: readonly TemplateSegment[];
  readonly hasParams: boolean;
  /** What policy expressions see as `operation`. */
  readonly info: OperationInfo;
}

export interface CompiledApi extends ApiAccess {
  readonly id: string;
  /** Lower-case header name carrying the subscription key ('' when the API takes none by header). */
  readonly keyHeaderName: string;
  readonly keyQueryName: string;
  /** The 401 naming where this API expects its key. */
  readonly missingKey: GatewayError;
  /** undefined: the API has no backend (502 backend_not_configured). */
  readonly upstream: BackendUpstream | undefined;
  readonly operationsByMethod: ReadonlyMap<string, SegmentRouter<CompiledOperation>>;
  /** What policy expressions see as `api`. */
  readonly info: ApiInfo;
}

/**
 * A view compiled for serving: routing tables, key index, validated pipelines and upstream pools,
 * all built before the agent swaps it in (DESIGN §6); requests only read it.
 */
export interface CompiledConfig {
  readonly revision: bigint;
  readonly contentHash: string;
  readonly view: GatewayView;
  readonly apis: ApiRouter<CompiledApi>;
  readonly apisById: ReadonlyMap<string, CompiledApi>;
  readonly keys: KeyIndex;
  /** By backend id. */
  readonly upstreams: ReadonlyMap<string, BackendUpstream>;
  /** By `operationId \0 productId`, for reuse by the next compile. */
  readonly pipelines: ReadonlyMap<string, CompiledPipeline>;
  /** What policy expressions see as `product`, by product id. */
  readonly products: ReadonlyMap<string, ProductInfo>;
  /** Policy state that outlives revisions (counters, caches), handed on to the next compile. */
  readonly services: PolicyServices;
}

export interface CompileOptions {
  /** Where policy statements report unexpected faults. Default: nowhere. */
  logger?: PolicyLogger;
  /** Policy services for the first compile; later compiles take the previous config's. */
  services?: PolicyServices;
}

const silentLogger: PolicyLogger = { warn: () => undefined, error: () => undefined };

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const METHOD = /^[A-Z][A-Z-]*$/;
const PATH_SEGMENT = /^[^/?#\s{}]+$/;

function versionOf(api: Api): VersionBy | undefined {
  const versioning = api.versioning;
  if (!versioning || versioning.scheme === VersioningScheme.UNSPECIFIED) return undefined;
  if (versioning.version === '') throw new ConfigCompileError(`api ${api.id}: versioned API has an empty version`);
  if (versioning.scheme === VersioningScheme.SEGMENT) {
    if (!PATH_SEGMENT.test(versioning.version)) {
      throw new ConfigCompileError(`api ${api.id}: version '${versioning.version}' cannot be a path segment`);
    }
    return { scheme: 'segment', version: versioning.version, parameterName: '' };
  }
  if (versioning.parameterName === '') {
    throw new ConfigCompileError(
      `api ${api.id}: ${versioning.scheme === VersioningScheme.HEADER ? 'header' : 'query'} versioning needs a parameter name`,
    );
  }
  return {
    scheme: versioning.scheme === VersioningScheme.HEADER ? 'header' : 'query',
    version: versioning.version,
    parameterName: versioning.parameterName,
  };
}

function compileOperations(
  api: Api,
  pipelinesByOperation: Map<string, Map<string, CompiledPipeline>>,
): Map<string, SegmentRouter<CompiledOperation>> {
  const routers = new Map<string, SegmentRouter<CompiledOperation>>();
  for (const operation of api.operations) {
    const where = `api ${api.id} operation ${operation.id}`;
    if (!METHOD.test(operation.method))
      throw new ConfigCompileError(`${where}: method '${operation.method}' is not an upper-case HTTP method`);
    const parsed = parseUrlTemplate(operation.urlTemplate);
    if (!parsed.ok) throw new ConfigCompileError(`${where}: URL template '${operation.urlTemplate}' ${parsed.reason}`);
    let router = routers.get(operation.method);
    if (!router) {
      router = new SegmentRouter<CompiledOperation>();
      routers.set(operation.method, router);
    }
    const compiled: CompiledOperation = {
      id: operation.id,
      method: operation.method,
      urlTemplate: operation.urlTemplate,
      pipelines: pipelinesByOperation.get(operation.id) ?? new Map(),
      segments: parsed.segments,
      hasParams: parsed.segments.some((segment) => segment.kind !== 'literal'),
      info: { id: operation.id, name: operation.name, method: operation.method, urlTemplate: operation.urlTemplate },
    };
    if (!router.add(parsed.segments, compiled)) {
      throw new ConfigCompileError(
        `${where}: ${operation.method} '${operation.urlTemplate}' duplicates another operation's route (/${templateShape(parsed.segments)})`,
      );
    }
  }
  return routers;
}

function compilePipelines(
  view: GatewayView,
  previous: CompiledConfig | undefined,
  logger: PolicyLogger,
  services: PolicyServices,
) {
  const byKey = new Map<string, CompiledPipeline>();
  const byOperation = new Map<string, Map<string, CompiledPipeline>>();
  // One expression compiler per revision: named values are substituted when expressions compile.
  const namedValues = new Map(view.namedValues.map((namedValue) => [namedValue.name, namedValue.value]));
  const base: CompileDeps = {
    namedValues,
    expressions: createExpressionCompiler(namedValues),
    logger,
    services,
    backendIds: new Set(view.backends.map((backend) => backend.id)),
  };
  const owners = new Map<string, { api: Api; operation: Operation }>();
  for (const api of view.apis) for (const operation of api.operations) owners.set(operation.id, { api, operation });
  for (const pipeline of view.pipelines) {
    const key = `${pipeline.operationId}\0${pipeline.productId}`;
    const owner = owners.get(pipeline.operationId);
    let compiled: CompiledPipeline;
    try {
      compiled = compilePipeline(
        pipeline,
        { ...base, api: owner?.api, operation: owner?.operation },
        previous?.pipelines.get(key),
      );
    } catch (error) {
      if (error instanceof PipelineError) throw new ConfigCompileError(error.message, { cause: error });
      throw error;
    }
    byKey.set(key, compiled);
    let forOperation = byOperation.get(pipeline.operationId);
    if (!forOperation) {
      forOperation = new Map();
      byOperation.set(pipeline.operationId, forOperation);
    }
    forOperation.set(pipeline.productId, compiled);
  }
  return { byKey, byOperation };
}

function compileUpstreams(view: GatewayView, previous: CompiledConfig | undefined): Map<string, BackendUpstream> {
  const upstreams = new Map<string, BackendUpstream>();
  try {
    for (const backend of view.backends) {
      upstreams.set(backend.id, compileBackend(backend, previous?.upstreams.get(backend.id)));
    }
  } catch (error) {
    // Pools opened for this failed compile would leak: close those the previous config does not own.
    for (const upstream of upstreams.values()) if (previous?.upstreams.get(upstream.id) !== upstream) void upstream.close();
    if (error instanceof BackendError) throw new ConfigCompileError(error.message, { cause: error });
    throw error;
  }
  return upstreams;
}

function checkPipelineReferences(view: GatewayView): void {
  const operationIds = new Set(view.apis.flatMap((api) => api.operations.map((operation) => operation.id)));
  const productIds = new Set(view.products.map((product) => product.id));
  for (const pipeline of view.pipelines) {
    if (!operationIds.has(pipeline.operationId)) {
      throw new ConfigCompileError(
        `pipeline ${pipeline.operationId} × ${pipeline.productId || '(no product)'}: no such operation in the view`,
      );
    }
    if (pipeline.productId !== '' && !productIds.has(pipeline.productId)) {
      throw new ConfigCompileError(`pipeline ${pipeline.operationId} × ${pipeline.productId}: no such product in the view`);
    }
  }
}

/** Lower-case DNS name (RFC 1123 labels), optionally `*.` + name for any one label under it. */
const HOSTNAME = /^(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function checkApiHostnames(api: Api): void {
  const seen = new Set<string>();
  for (const hostname of api.hostnames) {
    if (hostname.length > 253 || !HOSTNAME.test(hostname)) {
      throw new ConfigCompileError(`api ${api.id}: hostname '${hostname}' is not a lower-case host name or *.<host name>`);
    }
    if (seen.has(hostname)) throw new ConfigCompileError(`api ${api.id}: hostname '${hostname}' is listed twice`);
    seen.add(hostname);
  }
}

function checkApiPath(api: Api): void {
  if (api.path === '') return;
  if (api.path.split('/').some((segment) => !PATH_SEGMENT.test(segment) || segment === '.' || segment === '..')) {
    throw new ConfigCompileError(`api ${api.id}: path '${api.path}' must be segments without slashes at either end`);
  }
}

function apiInfo(api: Api, serviceUrls: ReadonlyMap<string, string>): ApiInfo {
  return {
    id: api.id,
    name: api.name,
    path: api.path,
    type: (ApiType[api.type] ?? 'UNSPECIFIED').toLowerCase(),
    version: api.versioning?.version ?? '',
    revision: '',
    serviceUrl: serviceUrls.get(api.backendId) ?? '',
  };
}

/**
 * Compiles a view into what the traffic handler serves. Backends byte-identical to `previous`'s
 * keep their upstream (and its open connections); pipelines likewise keep their compiled
 * handlers. A statement that cannot run (invalid, or a policy with no runtime yet) refuses the
 * whole view.
 *
 * @example
 * const next = compileConfig(view, current); // throws ConfigCompileError → NACK, keep `current`
 * const old = current; current = next; retireConfig(old, current);
 */
export function compileConfig(view: GatewayView, previous?: CompiledConfig, options: CompileOptions = {}): CompiledConfig {
  const serviceUrls = new Map(view.backends.map((backend) => [backend.id, backend.targets[0]?.url ?? '']));
  for (const api of view.apis) {
    checkApiPath(api);
    checkApiHostnames(api);
    if (api.backendId !== '' && !serviceUrls.has(api.backendId)) {
      throw new ConfigCompileError(`api ${api.id}: backend ${api.backendId} is not in the view`);
    }
  }
  checkPipelineReferences(view);
  const services = options.services ?? previous?.services ?? new PolicyServices();
  const pipelines = compilePipelines(view, previous, options.logger ?? silentLogger, services);
  const keys = buildKeyIndex(view);
  const openProducts = openProductsByApi(view);
  const apis = new ApiRouter<CompiledApi>();
  const apisById = new Map<string, CompiledApi>();
  const compiledApis: Array<{ api: Api; compiled: Mutable<CompiledApi> }> = [];
  for (const api of view.apis) {
    const compiled: Mutable<CompiledApi> = {
      id: api.id,
      apiId: api.id,
      workspaceId: api.workspaceId,
      subscriptionRequired: api.subscriptionRequired,
      openProductId: openProducts.get(api.id),
      keyHeaderName: api.subscriptionKeyHeaderName.toLowerCase(),
      keyQueryName: api.subscriptionKeyQueryName,
      missingKey: subscriptionKeyMissing(api.subscriptionKeyHeaderName, api.subscriptionKeyQueryName),
      upstream: undefined,
      operationsByMethod: compileOperations(api, pipelines.byOperation),
      info: apiInfo(api, serviceUrls),
    };
    const version = versionOf(api);
    // No host names: the API answers on any host.
    for (const hostname of api.hostnames.length === 0 ? [''] : api.hostnames) {
      const clash = apis.add(hostname, api.path, version, compiled);
      if (clash !== undefined) throw new ConfigCompileError(`api ${api.id}: path '${api.path}': ${clash}`);
    }
    apisById.set(api.id, compiled);
    compiledApis.push({ api, compiled });
  }
  // Pools open only once everything else is known to be valid.
  const upstreams = compileUpstreams(view, previous);
  for (const { api, compiled } of compiledApis) {
    if (api.backendId !== '') compiled.upstream = upstreams.get(api.backendId);
  }
  return {
    revision: view.revision,
    contentHash: view.contentHash,
    view,
    apis,
    apisById,
    keys,
    upstreams,
    pipelines: pipelines.byKey,
    services,
    products: new Map(
      view.products.map((product) => [
        product.id,
        {
          id: product.id,
          // Views from before names were carried show the id.
          name: product.name === '' ? product.id : product.name,
          subscriptionRequired: product.subscriptionRequired,
          approvalRequired: product.approvalRequired,
        },
      ]),
    ),
  };
}

/**
 * Retires the upstreams of `old` that `current` did not carry over: their pools close once the
 * requests still running on `old` have finished. Without `current` (shutdown), all of them.
 */
export function retireConfig(old: CompiledConfig, current?: CompiledConfig): void {
  for (const [id, upstream] of old.upstreams) {
    if (current?.upstreams.get(id) !== upstream) upstream.retire();
  }
  if (current?.services !== old.services) void old.services.close();
}

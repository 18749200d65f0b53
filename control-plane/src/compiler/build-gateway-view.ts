import { create } from '@bufbuild/protobuf';
import { GatewayViewSchema, ProductSchema, type GatewayView } from '@portico/proto';
import type { Db } from '../db/client.js';
import type { PolicyStatement } from '../db/schema/index.js';
import { SecretBox } from '../lib/secrets.js';
import { buildPipelines } from './build-pipelines.js';
import { canonicalize } from './hash-view.js';
import { loadViewRows, type ViewRows } from './load-view-rows.js';
import { referencedNames, selectNamedValues } from './select-named-values.js';
import { selectSubscriptions } from './select-subscriptions.js';
import { toApi } from './to-api.js';
import { toBackend } from './to-backend.js';
import { digestView, type ViewDigest } from './view-digest.js';

/**
 * Translates one gateway's slice of the tenant's config into the wire IR (CONVENTIONS §5):
 * the APIs assigned to it and everything they need, with secrets decrypted and policies
 * flattened, stamped with the tenant's revision and a content hash.
 *
 * @example
 * const view = await buildGatewayView(db, config.secretKey, tenantId, 'gw_eu1');
 * if (view.contentHash !== lastPublishedHash) publish(view);
 */
export async function buildGatewayView(db: Db, secretKey: Buffer, tenantId: string, gatewayId: string): Promise<GatewayView> {
  return (await buildGatewayState(db, secretKey, tenantId, gatewayId)).view;
}

/**
 * A built view with what the publisher keeps next to it to update it incrementally
 * (update-gateway-view.ts): its per-entity digests, and the revision its content reflects.
 */
export interface GatewayViewState {
  /** The view as the gateway's agents were told it; its revision may be older than `asOf` when the content did not change. */
  view: GatewayView;
  digest: ViewDigest;
  /** The tenant revision whose rows the content was read at. */
  asOf: number;
}

/** `buildGatewayView`, keeping the view's digests: the full build, O(tenant's config). */
export async function buildGatewayState(
  db: Db,
  secretKey: Buffer,
  tenantId: string,
  gatewayId: string,
): Promise<GatewayViewState> {
  const rows = await loadViewRows(db, tenantId, gatewayId);
  const box = new SecretBox(secretKey);
  const view = canonicalize(
    create(GatewayViewSchema, {
      tenantId,
      gatewayId,
      revision: BigInt(rows.revision),
      ...viewContent(rows, tenantId, box),
    }),
  );
  const digest = digestView(view);
  view.contentHash = digest.hash(tenantId, gatewayId);
  return { view, digest, asOf: rows.revision };
}

function viewContent(rows: ViewRows, tenantId: string, box: SecretBox) {
  const apiIds = new Set(rows.apis.map((a) => a.id));
  const workspaceIds = new Set(rows.apis.map((a) => a.workspaceId));
  const productIds = new Set(rows.products.map((p) => p.id));
  const productsByApi = groupBy(
    rows.productApis,
    (r) => r.apiId,
    (r) => r.productId,
  );
  const apiWorkspace = new Map(rows.apis.map((a) => [a.id, a.workspaceId]));

  const pipelines = buildPipelines({
    tenantId,
    defaultWorkspaceId: rows.defaultWorkspaceId,
    documents: rows.policyDocuments,
    fragments: fragmentsByWorkspace(rows),
    operations: rows.operations.map((op) => ({ id: op.id, apiId: op.apiId, workspaceId: apiWorkspace.get(op.apiId) ?? '' })),
    productsByApi,
  });

  const valuesOf = (workspaceId: string) =>
    new Map(rows.namedValues.filter((v) => v.workspaceId === workspaceId).map((v) => [v.name, v]));
  const names = referencedNames(pipelines);
  for (const backend of rows.backends) {
    const certificate = backend.credentials.clientCertificate;
    if (certificate) names.add(certificate.certificate).add(certificate.privateKey);
  }

  return {
    apis: rows.apis.map((api) =>
      toApi(
        api,
        rows.versionSets.find((s) => s.id === api.versionSetId),
        rows.operations.filter((op) => op.apiId === api.id),
      ),
    ),
    backends: rows.backends.map((backend) => toBackend(backend, box, valuesOf(backend.workspaceId))),
    products: rows.products.map((product) =>
      create(ProductSchema, {
        id: product.id,
        name: product.name,
        subscriptionRequired: product.subscriptionRequired,
        approvalRequired: product.approvalRequired,
        apiIds: rows.productApis.filter((r) => r.productId === product.id && apiIds.has(r.apiId)).map((r) => r.apiId),
      }),
    ),
    subscriptions: selectSubscriptions(rows.subscriptions, { apiIds, productIds, workspaceIds }),
    // Sorted workspace ids, then the default one: a deterministic winner for shared names.
    namedValues: selectNamedValues(rows.namedValues, names, [...[...workspaceIds].sort(), rows.defaultWorkspaceId], box),
    pipelines,
  };
}

export function fragmentsByWorkspace(rows: Pick<ViewRows, 'fragments'>): Map<string, Map<string, PolicyStatement[]>> {
  const out = new Map<string, Map<string, PolicyStatement[]>>();
  for (const fragment of rows.fragments) {
    const byName = out.get(fragment.workspaceId) ?? new Map<string, PolicyStatement[]>();
    byName.set(fragment.name, fragment.statements);
    out.set(fragment.workspaceId, byName);
  }
  return out;
}

function groupBy<T>(items: T[], key: (item: T) => string, value: (item: T) => string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), value(item)]);
  return out;
}

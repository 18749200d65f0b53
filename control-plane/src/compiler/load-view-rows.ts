import { and, eq, inArray, isNull, notInArray, or } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import {
  apis,
  apiVersionSets,
  backends,
  gatewayApis,
  gateways,
  namedValues,
  operations,
  policyDocuments,
  policyFragments,
  productApis,
  products,
  subscriptions,
  tenants,
  workspaces,
} from '../db/schema/index.js';
import { PorticoError } from '../errors.js';

/** Subscriptions in these states never let a call through, so the gateway never sees them. */
const TERMINAL_STATES = ['rejected', 'cancelled', 'expired'] as const;

export interface ViewRows {
  revision: number;
  defaultWorkspaceId: string;
  apis: (typeof apis.$inferSelect)[];
  operations: (typeof operations.$inferSelect)[];
  versionSets: (typeof apiVersionSets.$inferSelect)[];
  backends: (typeof backends.$inferSelect)[];
  products: (typeof products.$inferSelect)[];
  productApis: { productId: string; apiId: string }[];
  subscriptions: (typeof subscriptions.$inferSelect)[];
  policyDocuments: (typeof policyDocuments.$inferSelect)[];
  fragments: (typeof policyFragments.$inferSelect)[];
  namedValues: (typeof namedValues.$inferSelect)[];
}

/**
 * Everything one gateway's view is made of, read in one repeatable-read transaction so the
 * rows agree with the revision read alongside them. Every query is scoped by tenant.
 */
export function loadViewRows(db: Db, tenantId: string, gatewayId: string): Promise<ViewRows> {
  return db.transaction(
    async (tx) => {
      const [tenant] = await tx.select({ revision: tenants.configRevision }).from(tenants).where(eq(tenants.id, tenantId));
      const [gateway] = await tx
        .select({ id: gateways.id })
        .from(gateways)
        .where(and(eq(gateways.tenantId, tenantId), eq(gateways.id, gatewayId)));
      if (!tenant || !gateway) throw new PorticoError('CP_ERR_NOT_FOUND', { message: `No gateway ${gatewayId}` });
      const defaultWorkspaceId = await loadDefaultWorkspaceId(tx, tenantId);

      const apiRows = await loadAssignedApis(tx, tenantId, gatewayId);
      const apiIds = apiRows.map((a) => a.id);
      const workspaceIds = [...new Set(apiRows.map((a) => a.workspaceId))];

      const operationRows = apiIds.length
        ? await tx
            .select()
            .from(operations)
            .where(and(eq(operations.tenantId, tenantId), inArray(operations.apiId, apiIds)))
        : [];
      const versionSetIds = unique(apiRows.map((a) => a.versionSetId));
      const versionSetRows = versionSetIds.length
        ? await tx
            .select()
            .from(apiVersionSets)
            .where(and(eq(apiVersionSets.tenantId, tenantId), inArray(apiVersionSets.id, versionSetIds)))
        : [];
      const backendIds = unique(apiRows.map((a) => a.backendId));
      const backendRows = backendIds.length
        ? await tx
            .select()
            .from(backends)
            .where(and(eq(backends.tenantId, tenantId), inArray(backends.id, backendIds)))
        : [];
      const productApiRows = apiIds.length
        ? await tx
            .select({ productId: productApis.productId, apiId: productApis.apiId })
            .from(productApis)
            .where(and(eq(productApis.tenantId, tenantId), inArray(productApis.apiId, apiIds)))
        : [];
      const productIds = unique(productApiRows.map((r) => r.productId));
      const productRows = productIds.length
        ? await tx
            .select()
            .from(products)
            .where(and(eq(products.tenantId, tenantId), inArray(products.id, productIds)))
        : [];
      const subscriptionRows = await tx
        .select()
        .from(subscriptions)
        .where(and(eq(subscriptions.tenantId, tenantId), notInArray(subscriptions.state, [...TERMINAL_STATES])));
      // The global document uses the default workspace's fragments; product documents their own.
      const docWorkspaces = unique([...workspaceIds, ...productRows.map((p) => p.workspaceId), defaultWorkspaceId || undefined]);
      const documentRows = await tx
        .select()
        .from(policyDocuments)
        .where(
          and(
            eq(policyDocuments.tenantId, tenantId),
            or(
              isNull(policyDocuments.workspaceId),
              inArray(policyDocuments.workspaceId, docWorkspaces.length ? docWorkspaces : ['']),
            ),
          ),
        );
      const fragmentRows = await loadFragments(tx, tenantId, docWorkspaces);
      const namedValueWorkspaces = unique([...docWorkspaces, ...backendRows.map((b) => b.workspaceId)]);
      const namedValueRows = namedValueWorkspaces.length
        ? await tx
            .select()
            .from(namedValues)
            .where(and(eq(namedValues.tenantId, tenantId), inArray(namedValues.workspaceId, namedValueWorkspaces)))
        : [];

      return {
        revision: tenant.revision,
        defaultWorkspaceId,
        apis: apiRows,
        operations: operationRows,
        versionSets: versionSetRows,
        backends: backendRows,
        products: productRows,
        productApis: productApiRows.filter((r) => productIds.includes(r.productId)),
        subscriptions: subscriptionRows,
        policyDocuments: documentRows.filter((d) => d.scope !== 'global' || d.scopeId === tenantId),
        fragments: fragmentRows,
        namedValues: namedValueRows,
      };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

/** The gateway's APIs (only those of `apiIds` when given), rows of `apis`. */
export function loadAssignedApis(tx: Db, tenantId: string, gatewayId: string, apiIds?: string[]) {
  return tx
    .select()
    .from(gatewayApis)
    .innerJoin(apis, and(eq(apis.id, gatewayApis.apiId), eq(apis.tenantId, tenantId)))
    .where(
      and(
        eq(gatewayApis.tenantId, tenantId),
        eq(gatewayApis.gatewayId, gatewayId),
        apiIds ? inArray(gatewayApis.apiId, apiIds) : undefined,
      ),
    )
    .then((rows) => rows.map((r) => r.apis));
}

export function unique(values: (string | null | undefined)[]): string[] {
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v !== ''))];
}

/** The tenant's default workspace ('' if it has none): the global document uses its fragments and named values. */
export async function loadDefaultWorkspaceId(tx: Db, tenantId: string): Promise<string> {
  const [row] = await tx
    .select({ id: workspaces.id })
    .from(workspaces)
    .where(and(eq(workspaces.tenantId, tenantId), eq(workspaces.isDefault, true)));
  return row?.id ?? '';
}

/** The policy fragments of these workspaces. */
export async function loadFragments(tx: Db, tenantId: string, workspaceIds: string[]) {
  if (workspaceIds.length === 0) return [];
  return tx
    .select()
    .from(policyFragments)
    .where(and(eq(policyFragments.tenantId, tenantId), inArray(policyFragments.workspaceId, workspaceIds)));
}

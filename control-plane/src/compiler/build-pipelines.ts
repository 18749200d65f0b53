import { create } from '@bufbuild/protobuf';
import { PipelineSchema, StatementSchema, type Pipeline, type Statement } from '@portico/proto';
import type { PolicyDocumentBody, PolicyScope, policyDocuments } from '../db/schema/index.js';
import { mergePolicyScopes, type EffectiveStatement, type ScopedDocument } from '../modules/policies/merge-policy-scopes.js';
import { inlineFragments, type Fragments } from './inline-fragments.js';

type DocumentRow = typeof policyDocuments.$inferSelect;

export interface PipelineInputs {
  tenantId: string;
  defaultWorkspaceId: string;
  documents: DocumentRow[];
  /** Fragments by workspace id, then name. */
  fragments: Map<string, Fragments>;
  /** Every operation of the view's APIs, with what its scopes are attached to. */
  operations: { id: string; apiId: string; workspaceId: string }[];
  /** Product ids in the view, by API id. */
  productsByApi: Map<string, string[]>;
}

/**
 * One pipeline per operation (global → workspace → API → operation), plus one per operation ×
 * product for products with a document of their own (global → workspace → product → API →
 * operation); a product without one runs the operation's plain pipeline.
 */
export function buildPipelines(inputs: PipelineInputs): Pipeline[] {
  const documents = resolveDocuments(inputs);
  const find = (scope: PolicyScope, scopeId: string): ScopedDocument => ({
    scope,
    scopeId,
    document: documents.get(`${scope}:${scopeId}`) ?? null,
  });
  return inputs.operations.flatMap((op) => {
    const outer = [find('global', inputs.tenantId), find('workspace', op.workspaceId)];
    const inner = [find('api', op.apiId), find('operation', op.id)];
    const withProducts = (inputs.productsByApi.get(op.apiId) ?? [])
      .map((productId) => find('product', productId))
      .filter((product) => product.document !== null)
      .map((product) => toPipeline(op.id, product.scopeId, [...outer, product, ...inner]));
    return [toPipeline(op.id, '', [...outer, ...inner]), ...withProducts];
  });
}

/**
 * Each document with its fragments inlined, keyed `scope:scopeId`. A document uses its own
 * workspace's fragments; the global one, having no workspace, the default workspace's.
 */
function resolveDocuments(inputs: PipelineInputs): Map<string, PolicyDocumentBody> {
  return new Map(
    inputs.documents.map((row) => {
      const fragments = inputs.fragments.get(row.workspaceId ?? inputs.defaultWorkspaceId) ?? (new Map() as Fragments);
      return [`${row.scope}:${row.scopeId}`, inlineFragments(row.document, fragments)];
    }),
  );
}

function toPipeline(operationId: string, productId: string, documents: ScopedDocument[]): Pipeline {
  const merged = mergePolicyScopes(documents);
  return create(PipelineSchema, {
    operationId,
    productId,
    inbound: merged.inbound.map(toStatement),
    backend: merged.backend.map(toStatement),
    outbound: merged.outbound.map(toStatement),
    onError: merged['on-error'].map(toStatement),
  });
}

function toStatement({ origin, statement }: EffectiveStatement): Statement {
  // Documents are validated at write time: a statement has exactly one key, the policy name.
  const [policy = '', config = null] = Object.entries(statement)[0] ?? [];
  return create(StatementSchema, {
    policy,
    configJson: JSON.stringify(config),
    originScope: origin.scope,
    originId: origin.scopeId,
    originPath: origin.path,
  });
}

import { create } from '@bufbuild/protobuf';
import { DeltaSchema, GatewayViewSchema } from '../index.js';
import { describe, expect, it } from 'vitest';
import { applyDelta } from './apply-delta.js';

const view = create(GatewayViewSchema, {
  tenantId: 'ten_a',
  gatewayId: 'gw_a',
  revision: 4n,
  contentHash: 'h4',
  apis: [
    { id: 'api_1', path: 'one' },
    { id: 'api_2', path: 'two' },
  ],
  subscriptions: [{ id: 'sub_1' }, { id: 'sub_2' }],
  namedValues: [{ name: 'region', value: 'eu' }],
  pipelines: [
    { operationId: 'op_1', productId: '' },
    { operationId: 'op_1', productId: 'prd_1' },
  ],
});

describe('applyDelta', () => {
  it('replaces, adds and removes entities by key and stamps the new revision and hash', () => {
    const next = applyDelta(
      view,
      create(DeltaSchema, {
        fromRevision: 4n,
        toRevision: 7n,
        contentHash: 'h7',
        upsertedApis: [
          { id: 'api_2', path: 'two-renamed' },
          { id: 'api_3', path: 'three' },
        ],
        removedApiIds: ['api_1'],
        removedSubscriptionIds: ['sub_2'],
        upsertedNamedValues: [{ name: 'region', value: 'us' }],
        removedPipelines: [{ operationId: 'op_1', productId: 'prd_1' }],
      }),
    );
    expect(next.revision).toBe(7n);
    expect(next.contentHash).toBe('h7');
    expect(next.apis.map((a) => `${a.id}:${a.path}`)).toEqual(['api_2:two-renamed', 'api_3:three']);
    expect(next.subscriptions.map((s) => s.id)).toEqual(['sub_1']);
    expect(next.namedValues).toMatchObject([{ name: 'region', value: 'us' }]);
    expect(next.pipelines.map((p) => `${p.operationId}/${p.productId}`)).toEqual(['op_1/']);
  });

  it('leaves the view it started from untouched (requests in flight keep using it)', () => {
    applyDelta(view, create(DeltaSchema, { fromRevision: 4n, toRevision: 5n, removedApiIds: ['api_1', 'api_2'] }));
    expect(view.apis.map((a) => a.id)).toEqual(['api_1', 'api_2']);
    expect(view.revision).toBe(4n);
  });
});

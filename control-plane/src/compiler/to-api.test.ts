import { describe, expect, it } from 'vitest';
import type { apis } from '../db/schema/index.js';
import { toApi } from './to-api.js';

const row = (hostnames: string[]): typeof apis.$inferSelect => ({
  id: 'api_1',
  tenantId: 'ten_1',
  workspaceId: 'ws_1',
  name: 'Orders',
  description: '',
  path: 'orders',
  type: 'http',
  backendId: null,
  subscriptionRequired: true,
  subscriptionKeyHeaderName: 'Ocp-Apim-Subscription-Key',
  subscriptionKeyQueryName: 'subscription-key',
  versionSetId: null,
  apiVersion: '',
  protocols: ['https'],
  hostnames,
  sourceFormat: null,
  sourceText: null,
  version: 1,
  createdAt: new Date(0),
  updatedAt: new Date(0),
});

describe('toApi', () => {
  it('carries the host names sorted, so their order cannot change the view hash', () => {
    expect(toApi(row(['b.example.com', '*.a.example.com', 'a.example.com']), undefined, []).hostnames).toEqual([
      '*.a.example.com',
      'a.example.com',
      'b.example.com',
    ]);
    expect(toApi(row([]), undefined, []).hostnames).toEqual([]);
  });

  it('carries the SDL of an API imported from GraphQL, and nothing for other sources', () => {
    const sdl = 'type Query { me: String }';
    expect(
      toApi({ ...row([]), type: 'graphql', sourceFormat: 'graphql-sdl', sourceText: sdl }, undefined, []).graphqlSchema,
    ).toBe(sdl);
    expect(toApi({ ...row([]), sourceFormat: 'openapi-json', sourceText: '{}' }, undefined, []).graphqlSchema).toBe('');
    expect(toApi(row([]), undefined, []).graphqlSchema).toBe('');
  });
});

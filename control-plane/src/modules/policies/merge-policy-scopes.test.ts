import { describe, expect, it } from 'vitest';
import { mergePolicyScopes } from './merge-policy-scopes.js';

const doc = (inbound: Record<string, unknown>[] | undefined, outbound?: Record<string, unknown>[]) => ({
  ...(inbound ? { inbound } : {}),
  ...(outbound ? { outbound } : {}),
});

describe('mergePolicyScopes', () => {
  it('runs outer statements where base stands, and records where each came from', () => {
    const merged = mergePolicyScopes([
      { scope: 'global', scopeId: 'ten_1', document: doc([{ cors: {} }]) },
      { scope: 'workspace', scopeId: 'ws_1', document: null },
      { scope: 'api', scopeId: 'api_1', document: doc([{ 'rate-limit': { calls: 5 } }, { base: {} }]) },
      { scope: 'operation', scopeId: 'op_1', document: doc([{ base: {} }, { 'set-header': { name: 'x' } }]) },
    ]);
    expect(merged.inbound).toEqual([
      { origin: { scope: 'api', scopeId: 'api_1', path: 'inbound[0]' }, statement: { 'rate-limit': { calls: 5 } } },
      { origin: { scope: 'global', scopeId: 'ten_1', path: 'inbound[0]' }, statement: { cors: {} } },
      { origin: { scope: 'operation', scopeId: 'op_1', path: 'inbound[1]' }, statement: { 'set-header': { name: 'x' } } },
    ]);
  });

  it('drops outer statements from a section written without base, and inherits a section left out', () => {
    const merged = mergePolicyScopes([
      { scope: 'global', scopeId: 'ten_1', document: doc([{ cors: {} }], [{ 'set-header': { name: 'g' } }]) },
      { scope: 'api', scopeId: 'api_1', document: doc([{ 'ip-filter': {} }]) },
    ]);
    expect(merged.inbound.map((s) => Object.keys(s.statement)[0])).toEqual(['ip-filter']);
    expect(merged.outbound.map((s) => s.origin.scope)).toEqual(['global']);
    expect(merged.backend).toEqual([]);
  });
});

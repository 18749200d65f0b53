import { describe, expect, it } from 'vitest';
import { listProcedures } from './procedures.js';

describe('app router', () => {
  const procedures = listProcedures();

  it('is walked completely', () => {
    // Guards the walker itself: if it found nothing, the suites built on it would prove nothing.
    expect(procedures.length).toBeGreaterThanOrEqual(27);
    expect(procedures.map((p) => p.path)).toContain('workspaces.create');
  });

  it('declares a permission on every procedure', () => {
    const missing = procedures.filter((p) => !p.meta?.permission).map((p) => p.path);
    expect(missing).toEqual([]);
  });

  it('declares object and action for every tenant or workspace permission', () => {
    const incomplete = procedures.filter((p) => {
      const permission = p.meta?.permission;
      return (
        permission &&
        (permission.scope === 'tenant' || permission.scope === 'workspace') &&
        !(permission.object && permission.action)
      );
    });
    expect(incomplete.map((p) => p.path)).toEqual([]);
  });

  it('takes workspaceId as a required input on every workspace-scoped procedure', () => {
    const wrong = procedures.filter(
      (p) => p.meta?.permission?.scope === 'workspace' && !p.idFields.some((f) => f.name === 'workspaceId' && f.required),
    );
    expect(wrong.map((p) => p.path)).toEqual([]);
  });

  it('exposes every procedure over REST with a unique method and path', () => {
    const missing = procedures.filter((p) => !p.meta?.openapi).map((p) => p.path);
    expect(missing).toEqual([]);
    const routes = procedures.map((p) => `${p.meta?.openapi?.method} ${p.meta?.openapi?.path}`);
    expect(new Set(routes).size).toBe(routes.length);
  });

  it('uses GET for queries and a mutating method for mutations', () => {
    const wrong = procedures.filter((p) => (p.type === 'query') !== (p.meta?.openapi?.method === 'GET'));
    expect(wrong.map((p) => p.path)).toEqual([]);
  });
});

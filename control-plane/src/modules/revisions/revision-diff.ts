import { z } from 'zod';
import type { RevisionSnapshot, SnapshotOperation } from './revision-snapshot.js';

export const revisionDiffSchema = z.object({
  /** API settings that differ (`source` for the imported spec), and `policy` for the API's policy document. */
  api: z.object({ changed: z.array(z.string()) }),
  operations: z.object({
    added: z.array(z.object({ name: z.string(), method: z.string(), urlTemplate: z.string() })),
    removed: z.array(z.object({ name: z.string(), method: z.string(), urlTemplate: z.string() })),
    /** By name; `changed` lists the fields that differ, `policy` for its policy document. */
    changed: z.array(z.object({ name: z.string(), changed: z.array(z.string()) })),
  }),
});
export type RevisionDiff = z.infer<typeof revisionDiffSchema>;

const API_FIELDS = [
  'name',
  'description',
  'type',
  'backendId',
  'subscriptionRequired',
  'subscriptionKeyHeaderName',
  'subscriptionKeyQueryName',
  'protocols',
  'path',
  'hostnames',
  'versionSetId',
  'apiVersion',
  'sourceFormat',
] as const;

const OPERATION_FIELDS = [
  'description',
  'method',
  'urlTemplate',
  'parameters',
  'request',
  'responses',
  'tags',
  'binding',
] as const satisfies readonly (keyof SnapshotOperation)[];

/** JSON with object keys sorted, so equal values compare equal whatever order jsonb gave them. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

function policySources(snapshot: RevisionSnapshot): Map<string | null, string> {
  return new Map(snapshot.policies.map((p) => [p.scope === 'api' ? null : p.operationName, `${p.format}\n${p.source}`]));
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** What changes from `from` to `to`: operations matched by name, as a restore matches them. */
export function diffSnapshots(from: RevisionSnapshot, to: RevisionSnapshot): RevisionDiff {
  const fromPolicies = policySources(from);
  const toPolicies = policySources(to);
  const apiChanged: string[] = API_FIELDS.filter((field) => !same(from.api[field], to.api[field]));
  if (from.api.sourceText !== to.api.sourceText) apiChanged.push('source');
  if (fromPolicies.get(null) !== toPolicies.get(null)) apiChanged.push('policy');

  const before = new Map(from.operations.map((op) => [op.name, op]));
  const after = new Map(to.operations.map((op) => [op.name, op]));
  const route = (op: SnapshotOperation) => ({ name: op.name, method: op.method, urlTemplate: op.urlTemplate });
  const changed: RevisionDiff['operations']['changed'] = [];
  for (const op of to.operations) {
    const old = before.get(op.name);
    if (!old) continue;
    const fields: string[] = OPERATION_FIELDS.filter((field) => !same(old[field], op[field]));
    if (fromPolicies.get(op.name) !== toPolicies.get(op.name)) fields.push('policy');
    if (fields.length > 0) changed.push({ name: op.name, changed: fields });
  }
  return {
    api: { changed: apiChanged },
    operations: {
      added: to.operations
        .filter((op) => !before.has(op.name))
        .map(route)
        .sort(byName),
      removed: from.operations
        .filter((op) => !after.has(op.name))
        .map(route)
        .sort(byName),
      changed: changed.sort(byName),
    },
  };
}

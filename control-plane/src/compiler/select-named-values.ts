import { create } from '@bufbuild/protobuf';
import { NamedValueSchema, type NamedValue, type Pipeline } from '@portico/proto';
import type { namedValues } from '../db/schema/index.js';
import type { SecretBox } from '../lib/secrets.js';
import { namedValueText } from './decrypt-credentials.js';

type NamedValueRow = typeof namedValues.$inferSelect;

/** `{{name}}` as policies write it; names are `[A-Za-z0-9._-]+` (named-value-fields.ts). */
const REFERENCE = /\{\{([A-Za-z0-9._-]+)\}\}/g;

/** Names referenced by the pipelines' statements. */
export function referencedNames(pipelines: Pipeline[]): Set<string> {
  const names = new Set<string>();
  for (const pipeline of pipelines) {
    for (const statement of [...pipeline.inbound, ...pipeline.backend, ...pipeline.outbound, ...pipeline.onError]) {
      for (const match of statement.configJson.matchAll(REFERENCE)) names.add(match[1]!);
    }
  }
  return names;
}

/**
 * Only what the view uses leaves the control plane, decrypted. The view holds one value per
 * name, so where workspaces share a name, the first workspace in `preference` wins (the
 * gateway resolves `{{name}}` tenant-wide).
 */
export function selectNamedValues(rows: NamedValueRow[], names: Set<string>, preference: string[], box: SecretBox): NamedValue[] {
  const rank = (workspaceId: string) => {
    const index = preference.indexOf(workspaceId);
    return index === -1 ? preference.length : index;
  };
  const chosen = new Map<string, NamedValueRow>();
  for (const row of rows) {
    if (!names.has(row.name)) continue;
    const current = chosen.get(row.name);
    if (!current || rank(row.workspaceId) < rank(current.workspaceId)) chosen.set(row.name, row);
  }
  return [...chosen.values()].map((row) => create(NamedValueSchema, { name: row.name, value: namedValueText(row, box) }));
}

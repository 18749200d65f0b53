import { and, eq, or, sql, type SQL } from 'drizzle-orm';
import { policySections, type PolicySection } from '@portico/gateway/schemas';
import type { Db } from '../../db/client.js';
import { policyDocuments, policyFragments, type PolicyStatement } from '../../db/schema/index.js';
import { checkFragmentStatements, type StatementListCheck } from './fragment-source.js';

/** One `include-fragment` statement: the fragment it names and where it is in the list or document. */
export interface FragmentInclude {
  name: string;
  path: PropertyKey[];
}

/**
 * Every `include-fragment` in a value, at any depth (inside choose, retry…). Any key of that
 * name counts, as in check-policy-document.ts and the jsonb query below, so the three agree.
 */
export function fragmentIncludes(value: unknown, path: PropertyKey[] = [], found: FragmentInclude[] = []): FragmentInclude[] {
  if (Array.isArray(value)) {
    value.forEach((item, index) => fragmentIncludes(item, [...path, index], found));
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'include-fragment' && child && typeof child === 'object') {
        const name = (child as Record<string, unknown>)['fragment-id'];
        if (typeof name === 'string') found.push({ name, path: [...path, key] });
      }
      fragmentIncludes(child, [...path, key], found);
    }
  }
  return found;
}

/** A document's includes, each with the section it runs in (its path starts with the section). */
export function documentIncludes(document: unknown): (FragmentInclude & { section: PolicySection })[] {
  const sections = (document ?? {}) as Partial<Record<PolicySection, unknown>>;
  return policySections.flatMap((section) =>
    fragmentIncludes(sections[section], [section]).map((include) => ({ ...include, section })),
  );
}

export interface FragmentNode {
  name: string;
  statements: PolicyStatement[];
  includes: FragmentInclude[];
}

/** The workspace's fragments by name; few enough per workspace to hold at once. */
export type FragmentGraph = Map<string, FragmentNode>;

export async function loadFragmentGraph(tx: Db, tenantId: string, workspaceId: string): Promise<FragmentGraph> {
  const rows = await tx
    .select({ name: policyFragments.name, statements: policyFragments.statements })
    .from(policyFragments)
    .where(and(eq(policyFragments.tenantId, tenantId), eq(policyFragments.workspaceId, workspaceId)));
  return new Map(rows.map((r) => [r.name, { ...r, includes: fragmentIncludes(r.statements) }]));
}

export function fragmentNode(name: string, statements: PolicyStatement[]): FragmentNode {
  return { name, statements, includes: fragmentIncludes(statements) };
}

/**
 * The fragments `name` pulls in, directly or not, each with the include of `name`'s own list
 * through which it is reached first (where to point an error at).
 */
export function descendants(graph: FragmentGraph, name: string): Map<string, FragmentInclude> {
  const found = new Map<string, FragmentInclude>();
  const queue: { name: string; via: FragmentInclude }[] = (graph.get(name)?.includes ?? []).map((i) => ({
    name: i.name,
    via: i,
  }));
  for (let next = queue.shift(); next; next = queue.shift()) {
    if (next.name === name || found.has(next.name)) continue;
    found.set(next.name, next.via);
    for (const include of graph.get(next.name)?.includes ?? []) queue.push({ name: include.name, via: next.via });
  }
  return found;
}

/** The fragments that include `name`, directly or not. */
export function ancestors(graph: FragmentGraph, name: string): Set<string> {
  const found = new Set<string>();
  const queue = [name];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const node of graph.values()) {
      if (node.name !== name && !found.has(node.name) && node.includes.some((i) => i.name === next)) {
        found.add(node.name);
        queue.push(node.name);
      }
    }
  }
  return found;
}

/**
 * A cycle through `name`, as the chain of names (`a → b → a`) and the include of `name` that
 * starts it. The stored graph has none (every save checks), so a new one must pass through `name`.
 */
export function findCycle(graph: FragmentGraph, name: string): { via: FragmentInclude; chain: string[] } | undefined {
  const visited = new Set<string>();
  const walk = (current: string, chain: string[]): string[] | undefined => {
    for (const include of graph.get(current)?.includes ?? []) {
      if (include.name === name) return [...chain, name];
      if (visited.has(include.name)) continue;
      visited.add(include.name);
      const found = walk(include.name, [...chain, include.name]);
      if (found) return found;
    }
    return undefined;
  };
  for (const via of graph.get(name)?.includes ?? []) {
    const chain = via.name === name ? [name, name] : walk(via.name, [name, via.name]);
    if (chain) return { via, chain };
  }
  return undefined;
}

/** What each fragment's own statements fit, validated once per request. */
export function createFitCache(graph: FragmentGraph): (name: string) => StatementListCheck {
  const cache = new Map<string, StatementListCheck>();
  return (name) => {
    let check = cache.get(name);
    if (!check) {
      check = checkFragmentStatements(graph.get(name)?.statements ?? []);
      cache.set(name, check);
    }
    return check;
  };
}

/** The first reason a checked list cannot run in `section`, or undefined when it can. */
export function misfitIn(check: StatementListCheck, section: PolicySection) {
  if (!check.ok) return check.errors[0];
  return check.sections.includes(section) ? undefined : check.errorsIn[section]?.[0];
}

// Fragment writes take this per-workspace lock exclusively, document saves that include fragments
// take it shared: the cycle, existence, section and "still used" checks then see a graph no
// concurrent transaction is changing. Two-key form, so it cannot collide with the migration lock.
const FRAGMENT_LOCK_CLASS = 727_310_002;

export async function lockFragments(tx: Db, workspaceId: string, mode: 'shared' | 'exclusive'): Promise<void> {
  const lock = sql.raw(mode === 'shared' ? 'pg_advisory_xact_lock_shared' : 'pg_advisory_xact_lock');
  await tx.execute(sql`select ${lock}(${FRAGMENT_LOCK_CLASS}::int, hashtext(${workspaceId}))`);
}

/**
 * Documents that may include the workspace's fragments: its own, and the tenant's global one
 * when this is the default workspace (the global document resolves names there).
 */
function documentsOf(tenantId: string, workspace: { id: string; isDefault: boolean }): SQL | undefined {
  return and(
    eq(policyDocuments.tenantId, tenantId),
    workspace.isDefault
      ? or(eq(policyDocuments.workspaceId, workspace.id), eq(policyDocuments.scope, 'global'))
      : eq(policyDocuments.workspaceId, workspace.id),
  );
}

/** `document` names one of `names` in an include-fragment statement, at any depth. */
function includesAnyOf(names: string[]): SQL {
  const list = sql.join(
    names.map((n) => sql`${n}`),
    sql`, `,
  );
  return sql`jsonb_path_query_array(${policyDocuments.document}, 'lax $.**."include-fragment"."fragment-id"') ?| array[${list}]::text[]`;
}

const documentLabel = (d: { scope: string; scopeId: string }) => `${d.scope} policy of ${d.scopeId}`;

/** Where `name` is included directly: policy documents and other fragments. */
export async function fragmentReferrers(
  tx: Db,
  tenantId: string,
  workspace: { id: string; isDefault: boolean },
  graph: FragmentGraph,
  name: string,
): Promise<string[]> {
  const documents = await tx
    .select({ scope: policyDocuments.scope, scopeId: policyDocuments.scopeId })
    .from(policyDocuments)
    .where(and(documentsOf(tenantId, workspace), includesAnyOf([name])));
  const fragments = [...graph.values()].filter((f) => f.name !== name && f.includes.some((i) => i.name === name));
  return [...documents.map(documentLabel), ...fragments.map((f) => `fragment ${f.name}`)];
}

export interface FragmentUsage {
  section: PolicySection;
  /** `api policy of api_…`, with the fragment it goes through when the inclusion is indirect. */
  by: string;
}

/** Each section of a policy document where `name` runs, included directly or through other fragments. */
export async function fragmentUsages(
  tx: Db,
  tenantId: string,
  workspace: { id: string; isDefault: boolean },
  graph: FragmentGraph,
  name: string,
): Promise<FragmentUsage[]> {
  const names = [name, ...ancestors(graph, name)];
  const documents = await tx
    .select({ scope: policyDocuments.scope, scopeId: policyDocuments.scopeId, document: policyDocuments.document })
    .from(policyDocuments)
    .where(and(documentsOf(tenantId, workspace), includesAnyOf(names)));
  const usages = new Map<string, FragmentUsage>();
  for (const document of documents) {
    for (const include of documentIncludes(document.document)) {
      if (!names.includes(include.name)) continue;
      const through = include.name === name ? '' : ` through fragment "${include.name}"`;
      const usage = { section: include.section, by: `${documentLabel(document)}${through}` };
      usages.set(`${usage.section}:${usage.by}`, usage);
    }
  }
  return [...usages.values()];
}

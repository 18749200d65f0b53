import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { namedValues, type PolicyFormat, type PolicyStatement } from '../../db/schema/index.js';
import { PorticoError, type DocumentIssue } from '../../errors.js';
import { namedValueReferences } from '../named-values/named-value-fields.js';
import {
  createFitCache,
  descendants,
  findCycle,
  fragmentNode,
  fragmentUsages,
  loadFragmentGraph,
  misfitIn,
  type FragmentInclude,
} from './fragment-graph.js';
import { checkFragmentStatements, formatPath, issuesOf, lineOfText, parsePolicyText, type LineOf } from './fragment-source.js';

/** CP_ERR_VALIDATION listing each problem with its path and line, as policy documents do. */
export function invalidPolicyText(what: string, issues: DocumentIssue[]): PorticoError {
  const first = issues[0]!;
  return new PorticoError('CP_ERR_VALIDATION', {
    message: `${what} has ${issues.length} problem(s); first: ${first.pointer || '(source)'}${first.line ? ` (line ${first.line})` : ''}: ${first.message}`,
    issues,
  });
}

function includeIssue(include: FragmentInclude, lineOf: LineOf, message: string): DocumentIssue {
  const line = lineOf(include.path);
  return { pointer: formatPath(include.path), ...(line !== undefined && { line }), message };
}

async function missingNamedValues(tx: Db, tenantId: string, workspaceId: string, source: string): Promise<DocumentIssue[]> {
  const names = [...namedValueReferences(source)];
  if (names.length === 0) return [];
  const known = await tx
    .select({ name: namedValues.name })
    .from(namedValues)
    .where(and(eq(namedValues.tenantId, tenantId), eq(namedValues.workspaceId, workspaceId), inArray(namedValues.name, names)));
  const knownNames = new Set(known.map((k) => k.name));
  return names
    .filter((n) => !knownNames.has(n))
    .map((n) => {
      const line = lineOfText(source, `{{${n}}}`);
      return { pointer: '', ...(line !== undefined && { line }), message: `{{${n}}} is not a named value of this workspace` };
    });
}

/**
 * Validates a fragment's source before it is stored: a statement list that fits at least one
 * section of the policy catalogue, without `base`; every `{{named value}}` and included fragment
 * exists in the workspace; no include cycle; and, when documents already include it (directly or
 * through other fragments), its statements and those it includes can run in each section where
 * they do. Call under `lockFragments(…, 'exclusive')`. Returns the normalised statements.
 */
export async function checkPolicyFragment(
  tx: Db,
  tenantId: string,
  workspace: { id: string; isDefault: boolean },
  fragment: { name: string; source: string; format: PolicyFormat },
): Promise<PolicyStatement[]> {
  const what = `The policy fragment "${fragment.name}"`;
  const parsed = parsePolicyText(fragment.source, fragment.format);
  if (!parsed.ok) throw invalidPolicyText(what, parsed.issues);
  const { lineOf } = parsed;
  const own = checkFragmentStatements(parsed.value);
  if (!own.ok) throw invalidPolicyText(what, issuesOf(own.errors, lineOf));

  const issues = await missingNamedValues(tx, tenantId, workspace.id, fragment.source);
  const graph = await loadFragmentGraph(tx, tenantId, workspace.id);
  const node = fragmentNode(fragment.name, own.statements);
  graph.set(fragment.name, node);
  for (const include of node.includes) {
    if (!graph.has(include.name))
      issues.push(includeIssue(include, lineOf, `fragment "${include.name}" does not exist in this workspace`));
  }
  const cycle = findCycle(graph, fragment.name);
  if (cycle) {
    issues.push(includeIssue(cycle.via, lineOf, `including "${cycle.via.name}" makes a cycle: ${cycle.chain.join(' → ')}`));
  }
  if (issues.length > 0) throw invalidPolicyText(what, issues);

  const usages = await fragmentUsages(tx, tenantId, workspace, graph, fragment.name);
  const fits = createFitCache(graph);
  const below = descendants(graph, fragment.name);
  const checked = new Set<string>();
  for (const { section, by } of usages) {
    if (checked.has(section)) continue;
    checked.add(section);
    const where = `${by} includes this fragment in ${section}`;
    const ownErrors = own.sections.includes(section) ? [] : (own.errorsIn[section] ?? []);
    for (const issue of issuesOf(ownErrors, lineOf)) issues.push({ ...issue, message: `${issue.message} (${where})` });
    for (const [name, via] of below) {
      const misfit = misfitIn(fits(name), section);
      if (misfit) {
        issues.push(
          includeIssue(
            via,
            lineOf,
            `fragment "${name}" cannot run in ${section}, and ${where}: ${formatPath(misfit.path) || '(list)'}: ${misfit.message}`,
          ),
        );
      }
    }
  }
  if (issues.length > 0) throw invalidPolicyText(what, issues);
  return own.statements;
}

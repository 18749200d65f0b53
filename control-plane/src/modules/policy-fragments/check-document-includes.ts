import type { Db } from '../../db/client.js';
import type { PolicyFormat } from '../../db/schema/index.js';
import type { DocumentIssue } from '../../errors.js';
import { createFitCache, descendants, documentIncludes, loadFragmentGraph, lockFragments, misfitIn } from './fragment-graph.js';
import { formatPath, parsePolicyText } from './fragment-source.js';

/**
 * The include-fragment statements of a valid policy document: each fragment must exist in the
 * workspace, and its statements — with those of the fragments it includes — must be allowed in
 * the section the include sits in. Holds the workspace's fragment lock (shared) until commit, so
 * no fragment changes or goes between this check and the document's save.
 */
export async function checkDocumentIncludes(
  tx: Db,
  tenantId: string,
  workspaceId: string,
  document: unknown,
  text: { source: string; format: PolicyFormat },
): Promise<DocumentIssue[]> {
  const includes = documentIncludes(document);
  if (includes.length === 0) return [];
  await lockFragments(tx, workspaceId, 'shared');
  const graph = await loadFragmentGraph(tx, tenantId, workspaceId);
  const fits = createFitCache(graph);
  const problems: { path: PropertyKey[]; message: string }[] = [];
  for (const include of includes) {
    if (!graph.has(include.name)) {
      problems.push({ path: include.path, message: `fragment "${include.name}" does not exist in this workspace` });
      continue;
    }
    for (const name of [include.name, ...descendants(graph, include.name).keys()]) {
      const misfit = misfitIn(fits(name), include.section);
      if (!misfit) continue;
      const through = name === include.name ? '' : ` (included by "${include.name}")`;
      problems.push({
        path: include.path,
        message: `fragment "${name}"${through} cannot run in ${include.section}: ${formatPath(misfit.path) || '(list)'}: ${misfit.message}`,
      });
    }
  }
  if (problems.length === 0) return [];
  // Only now is the text parsed again, for the lines of the includes at fault.
  const parsed = parsePolicyText(text.source, text.format);
  const lineOf = parsed.ok ? parsed.lineOf : () => undefined;
  return problems.map((p) => {
    const line = lineOf(p.path);
    return { pointer: formatPath(p.path), ...(line !== undefined && { line }), message: p.message };
  });
}

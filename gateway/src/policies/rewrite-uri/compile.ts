import type { PolicyContext } from '../../pipeline/policy-context.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import type { RewriteUriConfig } from './schema.js';

/** A template piece: literal text, or `{name}` bound from the operation's parameters. */
type Piece = string | { readonly param: string };

interface ParsedTemplate {
  readonly path: readonly Piece[];
  readonly query: readonly (readonly [name: string, value: readonly Piece[]])[];
  /** Names of `{params}` used anywhere: query parameters bound this way are not copied again. */
  readonly params: ReadonlySet<string>;
}

function pieces(text: string, params: Set<string>): Piece[] {
  const out: Piece[] = [];
  let last = 0;
  for (const match of text.matchAll(/\{([^{}]+)\}/g)) {
    if (match.index > last) out.push(text.slice(last, match.index));
    const param = match[1]!;
    params.add(param);
    out.push({ param });
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** `/v2/orders/{id}?expand=items&tenant={tenant}` → path and query pieces. */
export function parseRewriteTemplate(template: string): ParsedTemplate {
  const params = new Set<string>();
  const mark = template.indexOf('?');
  const path = pieces(mark === -1 ? template : template.slice(0, mark), params);
  const query: [string, Piece[]][] = [];
  if (mark !== -1) {
    for (const part of template.slice(mark + 1).split('&')) {
      if (part === '') continue;
      const equals = part.indexOf('=');
      query.push([equals === -1 ? part : part.slice(0, equals), pieces(equals === -1 ? '' : part.slice(equals + 1), params)]);
    }
  }
  return { path, query, params };
}

// Template parameters take the values bound by the operation's URL template, then those of
// the query (Azure's "matched parameters"); an unbound one is empty.
function render(template: readonly Piece[], ctx: PolicyContext, encode: boolean): string {
  let out = '';
  for (const piece of template) {
    if (typeof piece === 'string') out += piece;
    else {
      const value = ctx.request.params.get(piece.param) ?? ctx.request.query.first(piece.param) ?? '';
      out += encode ? encodeURIComponent(value) : value;
    }
  }
  return out;
}

const NO_RENDERED: readonly string[] = [];

function rewrite(template: ParsedTemplate, copyUnmatched: boolean, ctx: PolicyContext): void {
  const request = ctx.request;
  const query = request.query;
  // Template values read the query as it arrived: render them before it changes.
  const templateQuery = template.query;
  let rendered = NO_RENDERED;
  if (templateQuery.length > 0) {
    rendered = new Array<string>(templateQuery.length);
    for (let i = 0; i < templateQuery.length; i++) (rendered as string[])[i] = render(templateQuery[i]![1], ctx, false);
  }
  request.path = render(template.path, ctx, true);
  const original = copyUnmatched && query.size > 0 ? Array.from(query.entries()) : undefined;
  query.clear();
  for (let i = 0; i < rendered.length; i++) query.append(templateQuery[i]![0], rendered[i]!);
  if (original === undefined) return;
  for (const [name, values] of original) {
    if (template.params.has(name) || query.has(name)) continue;
    query.set(name, values);
  }
}

/**
 * rewrite-uri: replaces the backend path (and query) with `template`, whose `{name}` parts take
 * the operation's matched parameters; with copy-unmatched-params, query parameters the template
 * neither sets nor binds are kept after the template's.
 *
 * @example createRewriteUri({ template: '/v2/orders/{orderId}', 'copy-unmatched-params': true }, deps)
 */
export function createRewriteUri(config: RewriteUriConfig, deps: StatementDeps): StatementHandler {
  const template = deps.expressions.string(config.template, { policy: 'rewrite-uri', path: deps.path });
  const parsed = template.constant === undefined ? undefined : parseRewriteTemplate(template.constant);
  const copyUnmatched = config['copy-unmatched-params'];
  return function rewriteUri(ctx) {
    rewrite(parsed ?? parseRewriteTemplate(template.evaluate(ctx)), copyUnmatched, ctx);
    return Outcome.continue;
  };
}

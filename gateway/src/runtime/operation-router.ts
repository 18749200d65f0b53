import type { TemplateSegment } from './url-template.js';

class SegmentNode<T> {
  readonly literals = new Map<string, SegmentNode<T>>();
  /** Mixed segments (`{name}.{ext}`), tried in the order they were added, after literals. */
  readonly patterns: { key: string; regex: RegExp; node: SegmentNode<T> }[] = [];
  param: SegmentNode<T> | undefined = undefined;
  wildcard: T | undefined = undefined;
  value: T | undefined = undefined;
}

/**
 * Routes request path segments to a value (an operation) for one method of one API. Literal
 * segments beat mixed ones (`{name}.json`), which beat parameters, parameters beat a trailing wildcard; a branch that dead-ends falls
 * back to the next kind, so `/users/me` and `/users/{id}/posts` both resolve.
 */
export class SegmentRouter<T> {
  readonly #root = new SegmentNode<T>();

  /** Adds a route; false when one of the same shape is already there. */
  add(segments: readonly TemplateSegment[], value: T): boolean {
    let node = this.#root;
    for (const segment of segments) {
      if (segment.kind === 'wildcard') {
        if (node.wildcard !== undefined) return false;
        node.wildcard = value;
        return true;
      }
      if (segment.kind === 'param') {
        node.param ??= new SegmentNode<T>();
        node = node.param;
      } else if (segment.kind === 'pattern') {
        const key = segment.regex.source;
        let entry = node.patterns.find((p) => p.key === key);
        if (!entry) node.patterns.push((entry = { key, regex: segment.regex, node: new SegmentNode<T>() }));
        node = entry.node;
      } else {
        let next = node.literals.get(segment.text);
        if (!next) {
          next = new SegmentNode<T>();
          node.literals.set(segment.text, next);
        }
        node = next;
      }
    }
    if (node.value !== undefined) return false;
    node.value = value;
    return true;
  }

  /** Finds the value for `path` from index `start` (at a `/`, or at its end). */
  match(path: string, start: number): T | undefined {
    return matchFrom(this.#root, path, start);
  }
}

function matchFrom<T>(node: SegmentNode<T>, path: string, start: number): T | undefined {
  // End of path, or only a trailing slash left.
  if (start >= path.length || (start === path.length - 1 && path.charCodeAt(start) === 0x2f)) {
    return node.value ?? node.wildcard;
  }
  let end = path.indexOf('/', start + 1);
  if (end === -1) end = path.length;
  const segment = path.slice(start + 1, end);
  const literal = node.literals.get(segment);
  if (literal) {
    const found = matchFrom(literal, path, end);
    if (found !== undefined) return found;
  }
  for (const pattern of node.patterns) {
    if (!pattern.regex.test(segment)) continue;
    const found = matchFrom(pattern.node, path, end);
    if (found !== undefined) return found;
  }
  if (node.param && segment !== '') {
    const found = matchFrom(node.param, path, end);
    if (found !== undefined) return found;
  }
  return node.wildcard;
}

import { posix } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Pair, type YAMLMap } from 'yaml';
import { isJsonObject, pointerSegments, valueAt } from './openapi-pointer.js';
import type { ImportIssue } from './imported-api.js';

export type SourceSyntax = 'json' | 'yaml';

/** A place in a source: the file (its key, relative to the main document) and a JSON pointer into it. */
export interface Loc {
  readonly file: string;
  readonly pointer: string;
}

/** A value read from a source, with where it was read. */
export interface Located {
  readonly value: unknown;
  readonly loc: Loc;
}

interface YamlTree {
  doc: Document;
  lines: LineCounter;
}

/** One parsed file. Its YAML tree is what maps pointers back to lines, for JSON files too. */
export class SourceFile {
  private tree: YamlTree | undefined;

  constructor(
    readonly key: string,
    readonly text: string,
    readonly syntax: SourceSyntax,
    readonly value: unknown,
    tree?: YamlTree,
  ) {
    this.tree = tree;
  }

  /** The 1-based line of the member a pointer names (its key, for an object member); the nearest ancestor's when absent. */
  lineOf(pointer: string): number | undefined {
    const { doc, lines } = this.yamlTree();
    let node: unknown = doc.contents;
    let offset = rangeStart(node);
    for (const segment of pointerSegments(pointer)) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = findPair(doc, node, segment);
        if (!pair) break;
        offset = rangeStart(pair.key) ?? rangeStart(pair.value) ?? offset;
        node = pair.value;
      } else if (isSeq(node)) {
        const item: unknown = node.items[Number(segment)];
        if (item === undefined) break;
        offset = rangeStart(item) ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return offset === undefined ? undefined : lines.linePos(offset).line;
  }

  /** The scalar as written (`1.0`, not the number 1): versions are often left unquoted. */
  scalarSource(pointer: string): string | undefined {
    const node = this.yamlTree().doc.getIn(pointerSegments(pointer), true);
    return isScalar(node) && typeof node.source === 'string' ? node.source : undefined;
  }

  private yamlTree(): YamlTree {
    // JSON is parsed with JSON.parse (strict, fast); its YAML tree is only built when a line is asked for.
    this.tree ??= parseYamlTree(this.text);
    return this.tree;
  }
}

/** A mapping's member, looked up through `<<` merge keys too (the line is where the merged member is written). */
function findPair(doc: Document, map: YAMLMap, key: string, depth = 0): Pair | undefined {
  const own = map.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
  if (own || depth > 20) return own;
  for (const item of map.items) {
    // With `merge: true` the parser gives merge keys a symbol value; `source` is the text.
    if (!isScalar(item.key) || item.key.source !== '<<' || typeof item.key.value !== 'symbol') continue;
    const sources = isSeq(item.value) ? item.value.items : [item.value];
    for (const source of sources) {
      const merged = isAlias(source) ? source.resolve(doc) : source;
      const found = isMap(merged) ? findPair(doc, merged, key, depth + 1) : undefined;
      if (found) return found;
    }
  }
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = (node as { range?: [number, number, number] | null }).range;
  return range ? range[0] : undefined;
}

function parseYamlTree(text: string): YamlTree {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true });
  return { doc, lines };
}

/** JSON when the first significant character opens an object or array; YAML otherwise. */
export function detectSyntax(text: string): SourceSyntax {
  return /^\s*[{[]/.test(text) ? 'json' : 'yaml';
}

export type ParseResult = { ok: true; file: SourceFile } | { ok: false; issues: ImportIssue[] };

export function parseSourceFile(key: string, rawText: string, fileForIssues?: string): ParseResult {
  const text = rawText.charCodeAt(0) === 0xfeff ? rawText.slice(1) : rawText;
  const where = fileForIssues === undefined ? {} : { file: fileForIssues };
  const fail = (line: number | undefined, message: string): ParseResult => ({
    ok: false,
    issues: [{ pointer: '', ...(line === undefined ? {} : { line }), ...where, message }],
  });
  const syntax = detectSyntax(text);
  if (syntax === 'json') {
    try {
      return { ok: true, file: new SourceFile(key, text, syntax, JSON.parse(text)) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return fail(jsonErrorLine(text, message), `invalid JSON: ${message}`);
    }
  }
  const tree = parseYamlTree(text);
  const [first] = tree.doc.errors;
  if (first) return fail(tree.lines.linePos(first.pos[0]).line, `invalid YAML: ${first.message}`);
  try {
    // toJS's default alias limit stops "billion laughs" documents from expanding without bound.
    const value: unknown = tree.doc.toJS();
    return { ok: true, file: new SourceFile(key, text, syntax, value, tree) };
  } catch (error) {
    return fail(undefined, `invalid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** V8 reports an offset ("at position 12"), newer versions also a line; end of input means the last line. */
function jsonErrorLine(text: string, message: string): number {
  const line = /\(line (\d+) column \d+\)/.exec(message);
  if (line) return Number(line[1]);
  const position = /at position (\d+)/.exec(message);
  const offset = position ? Number(position[1]) : text.trimEnd().length;
  let count = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) count++;
  return count;
}

export function normalizeFileKey(path: string): string {
  return posix.normalize(path.replaceAll('\\', '/'));
}

const URI_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * The main document and the files its `$ref`s may name. Files are parsed on first use; nothing
 * is ever read from disk or the network, so a reference to anything not handed in is an error.
 */
export class SourceSet {
  /** Parse failures of referenced files, reported once each. */
  readonly fileIssues: ImportIssue[] = [];
  private readonly texts = new Map<string, string>();
  private readonly parsed = new Map<string, SourceFile | null>();

  constructor(
    readonly main: SourceFile,
    files: Record<string, string>,
  ) {
    for (const [path, text] of Object.entries(files)) this.texts.set(normalizeFileKey(path), text);
    this.parsed.set(main.key, main);
  }

  file(key: string): SourceFile | undefined {
    return this.load(key) ?? undefined;
  }

  /** Resolves a `$ref` written at `from`; a string explains why it cannot be. */
  resolve(ref: string, from: Loc): Located | string {
    const hash = ref.indexOf('#');
    const filePart = hash === -1 ? ref : ref.slice(0, hash);
    const fragment = hash === -1 ? '' : ref.slice(hash + 1);
    const key = this.fileKey(filePart, from.file);
    if (!key.ok) return `cannot resolve $ref '${ref}': ${key.reason}`;
    const pointer = decodeFragment(fragment);
    if (pointer === undefined) return `cannot resolve $ref '${ref}': only JSON pointer fragments ('#/…') are supported`;
    const file = this.load(key.key);
    if (file === undefined) return `cannot resolve $ref '${ref}': file '${key.key}' was not provided`;
    if (file === null) return `cannot resolve $ref '${ref}': file '${key.key}' could not be parsed`;
    const target = valueAt(file.value, pointer);
    if (!target.found) return `cannot resolve $ref '${ref}': '${pointer}' does not exist in '${key.key}'`;
    return { value: target.value, loc: { file: key.key, pointer } };
  }

  private fileKey(filePart: string, fromFile: string): { ok: true; key: string } | { ok: false; reason: string } {
    if (filePart === '') return { ok: true, key: fromFile };
    if (URI_SCHEME.test(filePart)) return { ok: false, reason: 'remote references are not fetched; provide the file' };
    let path: string;
    try {
      path = decodeURI(filePart);
    } catch {
      return { ok: false, reason: 'malformed URI' };
    }
    if (path.startsWith('/')) return { ok: false, reason: 'absolute paths are not supported; use a relative path' };
    return { ok: true, key: normalizeFileKey(posix.join(posix.dirname(fromFile), path)) };
  }

  /** `undefined`: not provided; `null`: provided but unparseable. */
  private load(key: string): SourceFile | null | undefined {
    const cached = this.parsed.get(key);
    if (cached !== undefined) return cached;
    const text = this.texts.get(key);
    if (text === undefined) return undefined;
    const result = parseSourceFile(key, text, key);
    const file = result.ok ? result.file : null;
    if (!result.ok) this.fileIssues.push(...result.issues);
    this.parsed.set(key, file);
    return file;
  }
}

function decodeFragment(fragment: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(fragment);
  } catch {
    return undefined;
  }
  return decoded === '' || decoded.startsWith('/') ? decoded : undefined;
}

/** True for `{ $ref: '…' }`-shaped objects (extra members allowed; callers decide what they mean). */
export function isReference(value: unknown): value is { $ref: string } & Record<string, unknown> {
  return isJsonObject(value) && typeof value.$ref === 'string';
}

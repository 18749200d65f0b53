import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';

export type SourceFormat = 'json' | 'yaml';

export interface SourceProblem {
  line?: number;
  message: string;
}

/** The line (1-based) a path into the parsed value was written on, or the nearest written ancestor's. */
export type LineLocator = (path: readonly PropertyKey[]) => number | undefined;

export type ParsedSource = { ok: true; value: unknown; lineOf: LineLocator } | { ok: false; problems: SourceProblem[] };

/** JSON when the text opens with `{` or `[` (after blanks and a BOM), YAML otherwise. */
export function detectFormat(text: string): SourceFormat {
  return /^\uFEFF?\s*[{[]/.test(text) ? 'json' : 'yaml';
}

function lineAtOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function createLocator(document: Document, lineCounter: LineCounter): LineLocator {
  const lineAt = (node: unknown) => (isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined);
  return (path) => {
    let node: unknown = document.contents;
    let line = lineAt(node);
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(document);
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) break;
        // A key's line rather than its value's: a nested value starts on the next line.
        line = lineAt(pair.key) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        node = node.items[segment];
        line = lineAt(node) ?? line;
      } else {
        break;
      }
    }
    return line;
  };
}

// JSON.parse decides what is valid JSON; the same text read as YAML (JSON is a subset of YAML
// 1.2, and the 'json' schema refuses bare words) gives the lines that JSON.parse does not.
function parseJson(text: string): ParsedSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, schema: 'json', prettyErrors: false });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message)?.[1];
    const firstYamlError = document.errors[0];
    const line =
      position !== undefined
        ? lineAtOffset(text, Number(position))
        : message.includes('end of JSON input')
          ? lineAtOffset(text, text.length)
          : firstYamlError && lineCounter.linePos(firstYamlError.pos[0]).line;
    return { ok: false, problems: [{ ...(line !== undefined && { line }), message: `invalid JSON: ${message}` }] };
  }
  const lineOf: LineLocator = document.errors.length === 0 ? createLocator(document, lineCounter) : () => undefined;
  return { ok: true, value, lineOf };
}

function parseYaml(text: string): ParsedSource {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => ({
        line: lineCounter.linePos(error.pos[0]).line,
        message: `invalid YAML: ${error.message}`,
      })),
    };
  }
  try {
    // The alias budget stops "billion laughs" documents from expanding without bound.
    return { ok: true, value: document.toJS({ maxAliasCount: 100 }), lineOf: createLocator(document, lineCounter) };
  } catch (error) {
    return { ok: false, problems: [{ message: `invalid YAML: ${error instanceof Error ? error.message : String(error)}` }] };
  }
}

/** Parses policy-document text, keeping what is needed to give each later error its line. */
export function parseSource(text: string, format: SourceFormat = detectFormat(text)): ParsedSource {
  return format === 'json' ? parseJson(text) : parseYaml(text);
}

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ImportSource } from '../../imported-api.js';

/** The repository root (/work/main); the shared public corpus sits beside it (see its README). */
const repoRoot = path.resolve(import.meta.dirname, '../../../../../../..');
export const openApiCorpus = path.resolve(repoRoot, '../shared/corpus/openapi');
export const fixtures = import.meta.dirname;

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const full = path.join(dir, entry);
      return statSync(full).isDirectory() ? walk(full) : [full];
    });
}

/** An API description has a top-level `openapi` or `swagger` member; anything else is a fragment some description refers to. */
function isDescription(text: string): boolean {
  return /^\s*"?(openapi|swagger)"?\s*:/m.test(text);
}

/** The files a document's external `$ref`s name, relative to the document. */
function externalRefs(text: string): string[] {
  return [...text.matchAll(/"?\$ref"?\s*:\s*["']?([^"'\s#}]*)/g)].map((match) => match[1] ?? '').filter((ref) => ref !== '');
}

/**
 * A document as `importOpenApi` receives it: its text, and every file its `$ref`s reach
 * (transitively), keyed relative to it, as an upload of a multi-file spec would carry them.
 */
export function loadSource(file: string): ImportSource {
  const base = path.dirname(file);
  const files: Record<string, string> = {};
  const pending = [file];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    for (const ref of externalRefs(readFileSync(current, 'utf8'))) {
      const target = path.resolve(path.dirname(current), ref);
      const key = path.relative(base, target).replaceAll(path.sep, '/');
      if (target === file || key in files) continue;
      files[key] = readFileSync(target, 'utf8');
      pending.push(target);
    }
  }
  return { fileName: path.basename(file), text: readFileSync(file, 'utf8'), ...(Object.keys(files).length > 0 ? { files } : {}) };
}

export interface CorpusDocument {
  /** Path relative to the corpus's openapi folder, e.g. `oai-examples/v3.0/petstore.yaml`. */
  name: string;
  source: ImportSource;
}

/** Every API description in a folder; fragments are only reachable through the descriptions that refer to them. */
export function descriptionsIn(root: string): { documents: CorpusDocument[]; fragments: string[] } {
  const all = walk(root).filter((file) => /\.(json|ya?ml)$/.test(file));
  const documents = all
    .filter((file) => isDescription(readFileSync(file, 'utf8')))
    .map((file) => ({ name: path.relative(root, file).replaceAll(path.sep, '/'), source: loadSource(file) }));
  const fragments = all.filter((file) => !isDescription(readFileSync(file, 'utf8')));
  return { documents, fragments };
}

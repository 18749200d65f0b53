import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The peer scripts bundled to plain JavaScript, so peers run as production node does (no TS loader). */
export interface PeerBundle {
  /** The bundled file of `peers/<name>.ts`. */
  path(name: string): string;
  remove(): void;
}

const PEERS_DIR = fileURLToPath(new URL('../peers/', import.meta.url));

/**
 * Bundles `peers/<name>.ts` for each name into a temporary folder. Running the TS sources
 * through tsx would add its loader thread to every peer: ~35 MB of RSS that is not the proxy's.
 */
export async function bundlePeers(names: string[]): Promise<PeerBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'portico-bench-peers-'));
  await build({
    entryPoints: names.map((name) => join(PEERS_DIR, `${name}.ts`)),
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    // fast-gateway requires these only for lambda targets, its alternative proxy and WebSockets.
    external: ['http-lambda-proxy', 'fast-proxy', 'faye-websocket'],
    // CommonJS dependencies (fast-gateway, restana…) call require() for Node built-ins.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  return { path: (name) => join(dir, `${name}.mjs`), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

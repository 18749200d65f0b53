import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../src/db/client.js';

const root = path.resolve(import.meta.dirname, '..');

describe('committed migrations', () => {
  it('match the drizzle schema (run `npm run db:generate` after changing it)', () => {
    // drizzle-kit resolves paths relative to the working directory, so keep them relative.
    const out = mkdtempSync(path.join(root, '.migrations-check-'));
    try {
      cpSync(MIGRATIONS_FOLDER, out, { recursive: true });
      const config = path.join(out, 'drizzle.config.json');
      writeFileSync(
        config,
        JSON.stringify({ dialect: 'postgresql', schema: './src/db/schema/index.ts', out: `./${path.relative(root, out)}` }),
      );
      const before = readdirSync(out).sort();
      const log = execFileSync(path.join(root, '../node_modules/.bin/drizzle-kit'), ['generate', '--config', config], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(log).toContain('No schema changes');
      expect(readdirSync(out).sort(), log).toEqual(before);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});

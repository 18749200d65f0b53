import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listProcedures } from './procedures.js';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

describe('documentation stays true', () => {
  it('the root README lists every environment variable the control plane reads', () => {
    const names = new Set(read('control-plane/src/config.ts').match(/\b(?:PORTICO_[A-Z_]+|DATABASE_URL)\b/g));
    expect(names.size).toBeGreaterThan(10);
    const readme = read('README.md');
    for (const name of names) expect(readme, name).toContain(`\`${name}\``);
  });

  it("the control plane's README lists every procedure with its REST route", () => {
    const readme = read('control-plane/README.md');
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const p of listProcedures()) {
      const row = new RegExp(
        `\\|\\s*\`${escape(p.path)}\`\\s*\\|\\s*\`${escape(`${p.meta?.openapi?.method} ${p.meta?.openapi?.path}`)}\`\\s*\\|`,
      );
      expect(readme, p.path).toMatch(row);
    }
  });
});

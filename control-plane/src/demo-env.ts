import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** `.data/demo.env`: the quick start's credentials as KEY=value lines, for people and scripts. */
export function readDemoEnv(file: string): Partial<Record<string, string>> {
  if (!existsSync(file)) return {};
  const values: Partial<Record<string, string>> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^(\w+)=(.*)$/.exec(line.trim());
    if (match) values[match[1]!] = match[2];
  }
  return values;
}

/** It holds passwords and keys: readable by its owner only. */
export function writeDemoEnv(file: string, values: Partial<Record<string, string>>): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const lines = Object.entries(values)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${value}`);
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
}

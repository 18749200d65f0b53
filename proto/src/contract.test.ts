import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { DeltaSchema, GatewayViewSchema, SubscriptionScope, SubscriptionState } from './index.js';

const root = path.resolve(import.meta.dirname, '..');
const buf = path.join(root, '../node_modules/.bin/buf');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full).map((f) => path.join(name, f)) : [name];
  });
}

describe('the proto contract', () => {
  it('passes buf lint', () => {
    expect(() => execFileSync(buf, ['lint'], { cwd: root, stdio: 'pipe' })).not.toThrow();
  });

  it('has its generated code committed and current (run `npm run generate --workspace proto`)', () => {
    const scratch = mkdtempSync(path.join(root, '.gen-check-'));
    try {
      for (const entry of ['buf.yaml', 'buf.gen.yaml', 'portico'])
        cpSync(path.join(root, entry), path.join(scratch, entry), { recursive: true });
      execFileSync(buf, ['generate', '--template', 'buf.gen.yaml'], {
        cwd: scratch,
        stdio: 'pipe',
        env: { ...process.env, PATH: `${path.join(root, '../node_modules/.bin')}:${process.env.PATH ?? ''}` },
      });
      const generated = files(path.join(scratch, 'gen')).sort();
      expect(generated).toEqual(files(path.join(root, 'gen')).sort());
      for (const file of generated) {
        expect(readFileSync(path.join(root, 'gen', file), 'utf8'), file).toBe(
          readFileSync(path.join(scratch, 'gen', file), 'utf8'),
        );
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 60_000);

  it('round-trips a view and a delta in binary', () => {
    const view = create(GatewayViewSchema, {
      tenantId: 'ten_1',
      gatewayId: 'gw_1',
      revision: 42n,
      apis: [
        {
          id: 'api_1',
          path: 'orders',
          subscriptionKeyHeaderName: 'Ocp-Apim-Subscription-Key',
          operations: [{ id: 'op_1', method: 'GET', urlTemplate: '/orders/{id}' }],
        },
      ],
      subscriptions: [
        {
          id: 'sub_1',
          primaryKeySha256: new Uint8Array(32).fill(7),
          state: SubscriptionState.ACTIVE,
          scope: SubscriptionScope.PRODUCT,
          scopeId: 'prd_1',
        },
      ],
      pipelines: [
        {
          operationId: 'op_1',
          inbound: [
            { policy: 'rate-limit', configJson: '{"calls":10,"renewal-period":60}', originScope: 'api', originId: 'api_1' },
          ],
        },
      ],
    });
    const decoded = fromBinary(GatewayViewSchema, toBinary(GatewayViewSchema, view));
    expect(decoded).toEqual(view);
    const delta = create(DeltaSchema, { fromRevision: 42n, toRevision: 43n, removedSubscriptionIds: ['sub_1'] });
    expect(fromBinary(DeltaSchema, toBinary(DeltaSchema, delta)).removedSubscriptionIds).toEqual(['sub_1']);
  });
});

import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from './db/client.js';
import { users } from './db/schema/index.js';
import { hashPassword } from './lib/secrets.js';
import { createTenant, createUser } from './modules/auth/create-account.js';
import { auditLog } from './db/schema/index.js';
import { newId } from './lib/ids.js';
import { readDemoEnv, writeDemoEnv } from './demo-env.js';

export const DEMO_EMAIL = 'admin@demo.portico.local';

export interface DemoCredentials {
  email: string;
  password: string;
  file: string;
}

/**
 * First start: a demo tenant with an admin. The credentials go to `<dataDir>/demo.env`
 * (mode 0600) so scripts can read them. If that file was lost, the password is reset.
 */
export async function seedDemo(db: Db, dataDir: string): Promise<DemoCredentials> {
  const file = path.join(dataDir, 'demo.env');
  const saved = readDemoEnv(file);
  const [existing] = await db.select().from(users).where(eq(users.email, DEMO_EMAIL));
  if (existing && saved.PORTICO_DEMO_EMAIL === DEMO_EMAIL && saved.PORTICO_DEMO_PASSWORD) {
    return { email: DEMO_EMAIL, password: saved.PORTICO_DEMO_PASSWORD, file };
  }
  const password = randomBytes(12).toString('base64url');
  const passwordHash = await hashPassword(password);
  await db.transaction(async (tx) => {
    if (existing) {
      await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, existing.id));
      return;
    }
    const user = await createUser(tx, DEMO_EMAIL, 'Demo Admin', passwordHash);
    const { tenant } = await createTenant(tx, user.id, 'Demo');
    await tx.insert(auditLog).values({
      id: newId('aud'),
      tenantId: tenant.id,
      actorId: null,
      actorVia: 'system',
      action: 'demo.seed',
      targetType: 'tenant',
      targetId: tenant.id,
      diff: { owner: [null, DEMO_EMAIL] },
    });
  });
  writeDemoEnv(file, { PORTICO_DEMO_EMAIL: DEMO_EMAIL, PORTICO_DEMO_PASSWORD: password });
  return { email: DEMO_EMAIL, password, file };
}

import { Writable } from 'node:stream';
import { eq } from 'drizzle-orm';
import { TRPCError } from '@trpc/server';
import { createAuthorizer } from '../src/authz/authorizer.js';
import { syncPolicyRules } from '../src/authz/grants.js';
import { CSRF_COOKIE } from '../src/auth/cookies.js';
import { resolveActor } from '../src/auth/resolve-actor.js';
import { loadConfig, type Config } from '../src/config.js';
import { openPostgres, type Database } from '../src/db/client.js';
import { users } from '../src/db/schema/index.js';
import { createLogger } from '../src/lib/logger.js';
import { SecretBox } from '../src/lib/secrets.js';
import { createMailer, type SmtpTransport } from '../src/mail/mailer.js';
import { appRouter } from '../src/router.js';
import type { Context, Deps } from '../src/trpc/context.js';
import { toErrorBody } from '../src/trpc/init.js';
import { createCallerFactory } from '../src/trpc/procedures.js';
import { adminClient, databaseUrl, freshDatabaseName, templateName } from './postgres.js';

export const TEST_SECRET_KEY = '0f'.repeat(32);

/** A fresh database cloned from the migrated template; dropped by `drop()`. */
export async function createTestDatabase(): Promise<Database & { name: string; url: string; drop(): Promise<void> }> {
  const name = freshDatabaseName();
  const admin = adminClient();
  try {
    // Cloning fails while another session is connected to the template; retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.unsafe(`create database "${name}" template "${templateName()}"`);
        break;
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  const url = databaseUrl(name);
  const database = await openPostgres(url, { max: 4 });
  return {
    ...database,
    name,
    url,
    async drop() {
      await database.close();
      const dropper = adminClient();
      await dropper.unsafe(`drop database if exists "${name}" with (force)`);
      await dropper.end();
    },
  };
}

/** Everything the logger wrote, as raw text, for checks that secrets never reach it. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, callback: () => void) {
    this.lines.push(chunk.toString('utf8'));
    callback();
  }
  get text() {
    return this.lines.join('');
  }
}

export interface Harness {
  database: Awaited<ReturnType<typeof createTestDatabase>>;
  deps: Deps;
  logs: LogCapture;
  sent: { to: string; subject: string; text: string }[];
  client(options?: { ip?: string }): TestClient;
  close(): Promise<void>;
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({
      PORTICO_SECRET_KEY: TEST_SECRET_KEY,
      PORTICO_DATA_DIR: '/tmp/portico-test-unused',
      PORTICO_LOG_LEVEL: 'debug',
    }),
    seedDemo: false,
    ...overrides,
  };
}

export async function createHarness(options: { config?: Partial<Config>; smtp?: boolean } = {}): Promise<Harness> {
  const database = await createTestDatabase();
  // As at start-up: the role rules come from the code, not from the (cached) template.
  await syncPolicyRules(database.db);
  const config = testConfig({ databaseUrl: database.url, ...options.config });
  const logs = new LogCapture();
  const logger = createLogger('debug', logs);
  const sent: Harness['sent'] = [];
  const transport: SmtpTransport | null = options.smtp
    ? {
        sendMail: (message) => {
          sent.push(message);
          return Promise.resolve();
        },
      }
    : null;
  const mailer = createMailer({
    db: database.db,
    logger,
    box: new SecretBox(config.secretKey),
    from: config.mailFrom,
    transport,
  });
  const deps: Deps = { db: database.db, config, logger, authorizer: createAuthorizer(database.db), mailer };
  let ipCounter = 0;
  return {
    database,
    deps,
    logs,
    sent,
    client: (o = {}) => new TestClient(deps, o.ip ?? `10.0.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`),
    close: () => database.drop(),
  };
}

const createCaller = createCallerFactory(appRouter);
export type Caller = ReturnType<typeof createCaller>;

/**
 * A browser-like client for in-process calls: keeps cookies, echoes the CSRF token, or sends
 * a bearer token. Each call resolves its caller afresh, as each HTTP request would.
 */
export class TestClient {
  readonly cookies = new Map<string, string>();
  bearer: string | undefined;
  sendCsrf = true;
  requestCount = 0;

  constructor(
    readonly deps: Deps,
    readonly ip: string,
  ) {}

  async context(): Promise<Context> {
    const requestId = `test-${++this.requestCount}-${Math.random().toString(36).slice(2, 8)}`;
    const csrfHeader = this.sendCsrf ? this.cookies.get(CSRF_COOKIE) : undefined;
    const getCookie = (name: string) => this.cookies.get(name);
    const { actor, failure } = await resolveActor(this.deps.db, this.deps.config.secretKey, {
      authorization: this.bearer === undefined ? undefined : `Bearer ${this.bearer}`,
      getCookie,
      csrfHeader,
    });
    return {
      deps: this.deps,
      actor,
      authFailure: failure,
      req: {
        requestId,
        ip: this.ip,
        userAgent: 'vitest',
        csrfHeader,
        getCookie,
        setCookie: (name, value, options) => {
          if (options.maxAgeSeconds === 0) this.cookies.delete(name);
          else this.cookies.set(name, value);
        },
      },
    };
  }

  async caller(): Promise<Caller> {
    return createCaller(await this.context());
  }

  /** `await client.call((c) => c.workspaces.list({}))` */
  async call<T>(fn: (caller: Caller) => Promise<T>): Promise<T> {
    return fn(await this.caller());
  }
}

/** The public error body a caller would see for a failed call. */
export async function errorOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return errorBodyOf(error);
  }
  throw new Error('Expected the call to fail, but it succeeded');
}

export function errorBodyOf(error: unknown) {
  if (error instanceof TRPCError) return toErrorBody(error);
  throw error;
}

export const PASSWORD = 'correct horse battery staple';

let counter = 0;
export function uniqueEmail(label = 'user'): string {
  return `${label}-${Date.now().toString(36)}-${++counter}@example.com`;
}

export interface SignedUp {
  client: TestClient;
  userId: string;
  email: string;
  tenantId: string;
  workspaceId: string;
}

export async function signUp(h: Harness, organization = 'Acme', label = 'owner'): Promise<SignedUp> {
  const client = h.client();
  const email = uniqueEmail(label);
  const out = await client.call((c) => c.auth.signUp({ email, password: PASSWORD, name: `${label} person`, organization }));
  return { client, userId: out.user.id, email, tenantId: out.tenant.id, workspaceId: out.workspace.id };
}

/** Invites `email` into the owner's tenant with `role` and accepts as a new user. */
export async function addMember(
  h: Harness,
  owner: SignedUp,
  role: 'owner' | 'admin' | 'member' | 'developer',
  workspace?: { workspaceId: string; workspaceRole: 'owner' | 'contributor' | 'reader' },
  label: string = role,
): Promise<SignedUp> {
  const email = uniqueEmail(label);
  const invite = await owner.client.call((c) => c.members.invite({ email, role, ...workspace }));
  const token = new URL(invite.acceptUrl).searchParams.get('token')!;
  const client = h.client();
  const accepted = await client.call((c) => c.auth.acceptInvitation({ token, password: PASSWORD, name: `${label} person` }));
  return {
    client,
    userId: accepted.user.id,
    email,
    tenantId: owner.tenantId,
    workspaceId: workspace?.workspaceId ?? owner.workspaceId,
  };
}

export async function userIdByEmail(h: Harness, email: string): Promise<string | undefined> {
  const [row] = await h.deps.db.select({ id: users.id }).from(users).where(eq(users.email, email));
  return row?.id;
}

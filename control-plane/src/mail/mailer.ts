import { and, asc, eq, isNull, lt } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { emailOutbox } from '../db/schema/index.js';
import { newId } from '../lib/ids.js';
import type { Logger } from '../lib/logger.js';
import type { SecretBox } from '../lib/secrets.js';

export interface OutgoingEmail {
  tenantId: string | null;
  to: string;
  subject: string;
  text: string;
  /** What caused it, e.g. `invitation:inv_…`; logged, so never a secret. */
  reason: string;
}

export interface Mailer {
  /** Records the e-mail in the outbox inside the caller's transaction. */
  enqueue(tx: Db, email: OutgoingEmail): Promise<string>;
  /** Sends what is pending (when SMTP is configured). Returns how many were sent. */
  deliverPending(): Promise<number>;
  /** Opens a queued e-mail's text (operators without SMTP read invitation links this way). */
  read(id: string): Promise<(OutgoingEmail & { id: string; sentAt: Date | null }) | undefined>;
  start(): void;
  stop(): Promise<void>;
}

export interface SmtpTransport {
  sendMail(message: { from: string; to: string; subject: string; text: string }): Promise<unknown>;
}

const MAX_ATTEMPTS = 8;
const POLL_MS = 5_000;

/**
 * Transactional outbox: an e-mail is written with the change that causes it and sent after
 * commit, so a rollback never sends mail and a crash never loses it.
 */
export function createMailer(options: {
  db: Db;
  logger: Logger;
  box: SecretBox;
  from: string;
  transport: SmtpTransport | null;
}): Mailer {
  const { db, logger, box, from, transport } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function deliver(): Promise<number> {
    if (!transport) return 0;
    const pending = await db
      .select()
      .from(emailOutbox)
      .where(and(isNull(emailOutbox.sentAt), lt(emailOutbox.attempts, MAX_ATTEMPTS)))
      .orderBy(asc(emailOutbox.createdAt))
      .limit(50);
    let sent = 0;
    for (const row of pending) {
      try {
        await transport.sendMail({ from, to: row.to, subject: row.subject, text: box.open(row.sealedBody) });
        await db
          .update(emailOutbox)
          .set({ sentAt: new Date(), attempts: row.attempts + 1, lastError: null })
          .where(eq(emailOutbox.id, row.id));
        logger.info({ emailId: row.id, to: row.to, reason: row.reason }, 'e-mail sent');
        sent++;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await db
          .update(emailOutbox)
          .set({ attempts: row.attempts + 1, lastError: message.slice(0, 500) })
          .where(eq(emailOutbox.id, row.id));
        logger.warn({ emailId: row.id, to: row.to, err: message }, 'e-mail delivery failed; will retry');
      }
    }
    return sent;
  }

  const mailer: Mailer = {
    async enqueue(tx, email) {
      const id = newId('eml');
      await tx.insert(emailOutbox).values({
        id,
        tenantId: email.tenantId,
        to: email.to,
        subject: email.subject,
        sealedBody: box.seal(email.text),
        reason: email.reason,
      });
      if (transport) {
        logger.info(
          { emailId: id, to: email.to, subject: email.subject, reason: email.reason },
          'e-mail queued for SMTP delivery',
        );
      } else {
        logger.info(
          { emailId: id, to: email.to, subject: email.subject, reason: email.reason },
          'e-mail recorded in the outbox (SMTP not configured: set PORTICO_SMTP_URL to deliver it)',
        );
      }
      return id;
    },
    deliverPending() {
      // One delivery run at a time; callers share the run in progress.
      running ??= deliver().finally(() => {
        running = undefined;
      });
      return running;
    },
    async read(id) {
      const [row] = await db.select().from(emailOutbox).where(eq(emailOutbox.id, id));
      if (!row) return undefined;
      return {
        id: row.id,
        tenantId: row.tenantId,
        to: row.to,
        subject: row.subject,
        text: box.open(row.sealedBody),
        reason: row.reason,
        sentAt: row.sentAt,
      };
    },
    start() {
      if (!transport || timer) return;
      timer = setInterval(() => {
        mailer.deliverPending().catch((error: unknown) => logger.error({ err: error }, 'outbox delivery run failed'));
      }, POLL_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
  return mailer;
}

// Exit through process.exit on SIGTERM (the bench's stop) so `node --cpu-prof` writes its profile.
process.once('SIGTERM', () => process.exit(0));

/** Tells the bench that started this peer process that it is ready: one `ready {json}` line on stdout. */
export function announceReady(details: Record<string, string | number>): void {
  process.stdout.write(`ready ${JSON.stringify(details)}\n`);
}

/** The line prefix `startPinned` waits for. */
export const READY_PREFIX = 'ready ';

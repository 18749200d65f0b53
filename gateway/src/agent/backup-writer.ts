import type { GatewayView } from '@portico/proto';
import { writeBackup } from './config-backup.js';

/**
 * Writes backups one at a time and only the newest: during a burst of deltas the disk sees
 * the last view, not every one (a large view takes a while to seal and write).
 */
export class BackupWriter {
  private pending: GatewayView | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly accessToken: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  write(view: GatewayView): void {
    this.pending = view;
    this.running ??= this.drain();
  }

  /** Resolves once the newest view handed to `write` is on disk (or failed). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending) {
        const view = this.pending;
        this.pending = undefined;
        await writeBackup(this.path, view, this.accessToken).catch(this.onError);
      }
    } finally {
      this.running = undefined;
    }
  }
}

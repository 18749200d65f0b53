import { connect } from '@nats-io/transport-node';
import { describe, expect, it } from 'vitest';
import { startNatsServer } from './nats-server.js';

describe('startNatsServer', () => {
  it(
    'starts a server with the given max payload and JetStream, restarts it on the same port, and stops it',
    { timeout: 30_000 },
    async () => {
      const server = await startNatsServer({ maxPayload: 64 * 1024, jetstream: true });
      try {
        expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
        let nc = await connect({ servers: server.url });
        expect(nc.info?.max_payload).toBe(65536);
        expect(nc.info?.jetstream).toBe(true);
        await nc.close();

        await server.restart();
        nc = await connect({ servers: server.url });
        expect(nc.info?.port).toBe(server.port);
        await nc.close();
      } finally {
        await server.stop();
      }
      await expect(connect({ servers: server.url, timeout: 1000 })).rejects.toThrow();
      await server.stop(); // twice is fine
    },
  );

  it('uses the server default max payload (1 MiB) unless told otherwise', { timeout: 30_000 }, async () => {
    const server = await startNatsServer();
    try {
      const nc = await connect({ servers: server.url });
      expect(nc.info?.max_payload).toBe(1024 * 1024);
      expect(nc.info?.jetstream ?? false).toBe(false);
      await nc.close();
    } finally {
      await server.stop();
    }
  });
});

import type { GatewayView, SnapshotRequest } from '@portico/proto';
import { SnapshotRefusedError, type GatewayAddress, type SnapshotHandler } from '@portico/proto/distribution';
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { gateways, gatewayTokens } from '../db/schema/index.js';
import type { Logger } from '../lib/logger.js';
import { hashToken } from '../lib/secrets.js';
import type { ConfigPublisher } from './config-publisher.js';

export const UNKNOWN_GATEWAY = 'unknown gateway';
export const TOKEN_REFUSED = 'access token is invalid, expired or revoked for this gateway';

/**
 * Answers an agent's snapshot request (`portico.cfg.snapshot.<tenant>.<gateway>`): the gateway must
 * exist in that tenant and the request carry a live access token of that very gateway. The view
 * comes from the publisher, which records it as what the gateway was told. The token itself is
 * never logged; refusals say which check failed only in the log, never which token was close.
 */
export function createSnapshotHandler({
  db,
  publisher,
  logger,
}: {
  db: Db;
  publisher: ConfigPublisher;
  logger: Logger;
}): SnapshotHandler {
  async function check(from: GatewayAddress, request: SnapshotRequest): Promise<GatewayView> {
    const log = { tenantId: from.tenantId, gatewayId: from.gatewayId, instanceId: request.instanceId };
    const [gateway] = await db
      .select({ id: gateways.id })
      .from(gateways)
      .where(and(eq(gateways.tenantId, from.tenantId), eq(gateways.id, from.gatewayId)));
    if (!gateway) {
      logger.warn(log, 'config: snapshot refused: unknown gateway');
      throw new SnapshotRefusedError(UNKNOWN_GATEWAY);
    }
    const now = new Date();
    const [token] = request.accessToken
      ? await db
          .select({ id: gatewayTokens.id, expiresAt: gatewayTokens.expiresAt, revokedAt: gatewayTokens.revokedAt })
          .from(gatewayTokens)
          .where(
            and(
              eq(gatewayTokens.tokenHash, hashToken(request.accessToken)),
              eq(gatewayTokens.tenantId, from.tenantId),
              eq(gatewayTokens.gatewayId, gateway.id),
            ),
          )
      : [];
    if (!token || token.revokedAt !== null || token.expiresAt <= now) {
      const reason = !token ? 'no such token for this gateway' : token.revokedAt !== null ? 'token revoked' : 'token expired';
      logger.warn({ ...log, tokenId: token?.id, reason }, 'config: snapshot refused: access token');
      throw new SnapshotRefusedError(TOKEN_REFUSED);
    }
    await db.update(gatewayTokens).set({ lastUsedAt: now }).where(eq(gatewayTokens.id, token.id));

    const view = await publisher.snapshot(from.tenantId, gateway.id);
    // Deleted between the check and the build.
    if (!view) throw new SnapshotRefusedError(UNKNOWN_GATEWAY);
    logger.info(
      { ...log, tokenId: token.id, revision: Number(view.revision), contentHash: view.contentHash },
      'config: served a snapshot',
    );
    return view;
  }

  return async function serveSnapshot(from, request) {
    try {
      return await check(from, request);
    } catch (error) {
      if (error instanceof SnapshotRefusedError) throw error;
      // Internal detail stays in the log; the agent retries later.
      logger.error({ err: error, tenantId: from.tenantId, gatewayId: from.gatewayId }, 'config: could not serve a snapshot');
      throw new Error('the control plane could not build the snapshot; try again later');
    }
  };
}

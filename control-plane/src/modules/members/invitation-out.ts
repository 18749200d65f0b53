import { z } from 'zod';
import { INVITATION_STATES, type invitations } from '../../db/schema/index.js';
import { tenantRole, workspaceRole } from '../schemas.js';

export const invitationSchema = z.object({
  id: z.string(),
  email: z.string(),
  role: tenantRole,
  workspaceId: z.string().nullable(),
  workspaceRole: workspaceRole.nullable(),
  state: z.enum([...INVITATION_STATES, 'expired']),
  createdAt: z.string(),
  expiresAt: z.string(),
});

/** Never carries the token; an expired pending invitation reads as `expired`. */
export function invitationOut(row: typeof invitations.$inferSelect): z.infer<typeof invitationSchema> {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    workspaceId: row.workspaceId,
    workspaceRole: row.workspaceRole,
    state: row.state === 'pending' && row.expiresAt <= new Date() ? 'expired' : row.state,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt.toISOString(),
  };
}

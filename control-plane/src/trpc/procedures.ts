import { and, eq } from 'drizzle-orm';
import { workspaces } from '../db/schema/index.js';
import { PorticoError, invalidField, notFound } from '../errors.js';
import type { Actor } from './context.js';
import { t } from './init.js';

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

export type TenantActor = Actor & { tenantId: string };
export type WorkspaceRow = typeof workspaces.$inferSelect;

/**
 * The one authorization middleware. Every procedure declares `meta.permission`; a procedure
 * without one fails closed. Order of checks matters for existence leaks: a workspace id from
 * another tenant is NOT_FOUND before any role is consulted.
 */
const enforcePermission = t.middleware(async ({ ctx, meta, type, getRawInput, next }) => {
  const proceed = (actor: Actor | null, workspace: WorkspaceRow | null) => next({ ctx: { actor, workspace } });
  const permission = meta?.permission;
  if (!permission) throw new PorticoError('CP_ERR_INTERNAL', { message: 'Procedure declares no permission' });
  if (permission.scope === 'public') return proceed(ctx.actor, null);

  const actor = ctx.actor;
  if (!actor) {
    throw new PorticoError('CP_ERR_UNAUTHENTICATED', ctx.authFailure ? { message: ctx.authFailure } : {});
  }
  if (type === 'mutation' && actor.via === 'session' && !actor.csrfVerified) throw new PorticoError('CP_ERR_CSRF');
  if (permission.scope === 'authenticated') return proceed(actor, null);

  const tenantId = actor.tenantId;
  if (!tenantId) {
    throw new PorticoError('CP_ERR_FORBIDDEN', {
      message: 'You are not a member of any tenant; accept an invitation or sign up',
    });
  }

  let workspace: WorkspaceRow | null = null;
  if (permission.scope === 'workspace') {
    const raw = (await getRawInput()) as { workspaceId?: unknown } | undefined;
    const workspaceId = raw?.workspaceId;
    if (typeof workspaceId !== 'string' || workspaceId === '')
      throw invalidField('workspaceId', 'Required: a workspace id (ws_…)');
    const [row] = await ctx.deps.db
      .select()
      .from(workspaces)
      .where(and(eq(workspaces.id, workspaceId), eq(workspaces.tenantId, tenantId)));
    if (!row) throw notFound('Workspace');
    workspace = row;
  }

  const allowed = await ctx.deps.authorizer.can({
    userId: actor.userId,
    tenantId,
    ...(workspace ? { workspaceId: workspace.id } : {}),
    object: permission.object,
    action: permission.action,
  });
  if (!allowed) throw new PorticoError('CP_ERR_FORBIDDEN');
  return proceed(actor, workspace);
});

const base = t.procedure.use(enforcePermission);

export const publicProcedure = base;

export const authenticatedProcedure = base.use(({ ctx, next }) => {
  if (!ctx.actor) throw new PorticoError('CP_ERR_INTERNAL', { message: 'authenticated procedure without an actor' });
  return next({ ctx: { actor: ctx.actor } });
});

export const tenantProcedure = authenticatedProcedure.use(({ ctx, next }) => {
  const { actor } = ctx;
  if (actor.tenantId === null) throw new PorticoError('CP_ERR_INTERNAL', { message: 'tenant procedure without a tenant' });
  return next({ ctx: { actor: actor as TenantActor } });
});

export const workspaceProcedure = tenantProcedure.use(({ ctx, next }) => {
  if (!ctx.workspace) throw new PorticoError('CP_ERR_INTERNAL', { message: 'workspace procedure without a workspace' });
  return next({ ctx: { workspace: ctx.workspace } });
});

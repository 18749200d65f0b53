/** Role names (DESIGN §5). Their rights are in authz/permissions.ts. */

/** `developer` is the portal consumer role: no management rights, only its own subscriptions. */
export const TENANT_ROLES = ['owner', 'admin', 'member', 'developer'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

export const WORKSPACE_ROLES = ['owner', 'contributor', 'reader'] as const;
export type WorkspaceRole = (typeof WORKSPACE_ROLES)[number];

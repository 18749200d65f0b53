import type { TenantRole, WorkspaceRole } from '../db/schema/index.js';

/**
 * The permission catalogue: what each role may do. This table is the policy; it is written
 * to `casbin_rule` as `p` rows at start and casbin evaluates requests against it.
 *
 * Tenant roles hold their rights in the `tenant:<id>` domain; tenant owners and admins also
 * hold every workspace right there, which is how "tenant admins see all" works.
 */
export const Objects = {
  tenant: 'tenant',
  workspace: 'workspace',
  member: 'member',
  invitation: 'invitation',
  workspaceMember: 'workspace-member',
  token: 'token',
  audit: 'audit',
  api: 'api',
  backend: 'backend',
  gateway: 'gateway',
  product: 'product',
  subscription: 'subscription',
  group: 'group',
  policy: 'policy',
  namedValue: 'named-value',
  /** The tenant-wide (global scope) policy document. */
  globalPolicy: 'global-policy',
  /** What any signed-in tenant user may do as an API consumer: browse visible products, hold own subscriptions. */
  developerPortal: 'developer-portal',
} as const;
export type PermissionObject = (typeof Objects)[keyof typeof Objects];

export const Actions = {
  read: 'read',
  create: 'create',
  update: 'update',
  delete: 'delete',
  manage: 'manage',
} as const;
export type PermissionAction = (typeof Actions)[keyof typeof Actions];

type Grant = readonly [PermissionObject, readonly PermissionAction[]];

const CRUD = ['read', 'create', 'update', 'delete'] as const;

/** The workspace's catalog: what contributors build and readers read. */
const CATALOG_WRITE: Grant[] = [
  ['api', CRUD],
  ['backend', CRUD],
  ['product', CRUD],
  ['subscription', CRUD],
  ['policy', CRUD],
  ['named-value', CRUD],
];
const CATALOG_READ: Grant[] = [
  ['api', ['read']],
  ['backend', ['read']],
  ['product', ['read']],
  ['subscription', ['read']],
  ['policy', ['read']],
  ['named-value', ['read']],
];

/** Every tenant user is also an API consumer of the tenant's developer portal. */
const CONSUMER: Grant[] = [['developer-portal', ['read', 'manage']]];

const WORKSPACE_ADMIN: Grant[] = [
  ['workspace', ['read', 'update', 'delete']],
  ['workspace-member', ['read', 'manage']],
  ...CATALOG_WRITE,
];

/** Owners and admins hold the same rights; only owners touch the owner role (a handler rule). */
const TENANT_ADMIN: Grant[] = [
  ['tenant', ['read', 'update']],
  ['workspace', ['read', 'create']],
  ['member', ['read', 'create', 'update', 'delete']],
  ['invitation', ['read', 'create', 'delete']],
  ['token', ['manage']],
  ['audit', ['read']],
  // Gateways are the tenant's fleet, run by its operators: tenant-level, not per workspace.
  ['gateway', CRUD],
  ['group', CRUD],
  ['global-policy', CRUD],
  ...CONSUMER,
  ...WORKSPACE_ADMIN,
];

export const TENANT_ROLE_GRANTS: Record<TenantRole, Grant[]> = {
  owner: TENANT_ADMIN,
  admin: TENANT_ADMIN,
  // Members see the workspaces they are granted (workspace roles), not the whole tenant.
  member: [
    ['tenant', ['read']],
    ['member', ['read']],
    ['gateway', ['read']],
    ['group', ['read']],
    ...CONSUMER,
    ['token', ['manage']],
  ],
  developer: [['tenant', ['read']], ['token', ['manage']], ...CONSUMER],
};

export const WORKSPACE_ROLE_GRANTS: Record<WorkspaceRole, Grant[]> = {
  owner: [['workspace', ['read', 'update']], ['workspace-member', ['read', 'manage']], ...CATALOG_WRITE],
  contributor: [['workspace', ['read']], ['workspace-member', ['read']], ...CATALOG_WRITE],
  reader: [['workspace', ['read']], ['workspace-member', ['read']], ...CATALOG_READ],
};

export const tenantRoleName = (role: TenantRole) => `role:tenant:${role}`;
export const workspaceRoleName = (role: WorkspaceRole) => `role:workspace:${role}`;
export const userSubject = (userId: string) => `user:${userId}`;
export const tenantDomain = (tenantId: string) => `tenant:${tenantId}`;
export const workspaceDomain = (workspaceId: string) => `workspace:${workspaceId}`;

/** casbin `p` rows: (role, domain pattern, object, action). */
export function policyRules(): string[][] {
  const rules: string[][] = [];
  for (const [role, grants] of Object.entries(TENANT_ROLE_GRANTS) as [TenantRole, Grant[]][]) {
    for (const [object, actions] of grants) {
      for (const action of actions) rules.push([tenantRoleName(role), 'tenant:*', object, action]);
    }
  }
  for (const [role, grants] of Object.entries(WORKSPACE_ROLE_GRANTS) as [WorkspaceRole, Grant[]][]) {
    for (const [object, actions] of grants) {
      for (const action of actions) rules.push([workspaceRoleName(role), 'workspace:*', object, action]);
    }
  }
  return rules;
}

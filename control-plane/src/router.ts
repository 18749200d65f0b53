import { acceptInvitation } from './modules/auth/accept-invitation.js';
import { changePassword } from './modules/auth/change-password.js';
import { getSession } from './modules/auth/get-session.js';
import { signIn } from './modules/auth/sign-in.js';
import { signOut } from './modules/auth/sign-out.js';
import { signUp } from './modules/auth/sign-up.js';
import { switchTenant } from './modules/auth/switch-tenant.js';
import { listAudit } from './modules/audit/list-audit.js';
import { inviteMember } from './modules/members/invite-member.js';
import { listInvitations } from './modules/members/list-invitations.js';
import { listMembers } from './modules/members/list-members.js';
import { listWorkspaceMembers } from './modules/members/list-workspace-members.js';
import { removeMember } from './modules/members/remove-member.js';
import { removeWorkspaceMember } from './modules/members/remove-workspace-member.js';
import { revokeInvitation } from './modules/members/revoke-invitation.js';
import { setWorkspaceMember } from './modules/members/set-workspace-member.js';
import { updateMemberRole } from './modules/members/update-member-role.js';
import { getTenant } from './modules/tenants/get-tenant.js';
import { updateTenant } from './modules/tenants/update-tenant.js';
import { createToken } from './modules/tokens/create-token.js';
import { listTokens } from './modules/tokens/list-tokens.js';
import { revokeToken } from './modules/tokens/revoke-token.js';
import { createWorkspace } from './modules/workspaces/create-workspace.js';
import { deleteWorkspace } from './modules/workspaces/delete-workspace.js';
import { getWorkspace } from './modules/workspaces/get-workspace.js';
import { listWorkspaces } from './modules/workspaces/list-workspaces.js';
import { updateWorkspace } from './modules/workspaces/update-workspace.js';
import { apisRouter } from './modules/apis/router.js';
import { backendsRouter } from './modules/backends/router.js';
import { gatewaysRouter } from './modules/gateways/router.js';
import { groupsRouter } from './modules/groups/router.js';
import { namedValuesRouter } from './modules/named-values/router.js';
import { operationsRouter } from './modules/operations/router.js';
import { policiesRouter } from './modules/policies/router.js';
import { policyFragmentsRouter } from './modules/policy-fragments/router.js';
import { productsRouter } from './modules/products/router.js';
import { revisionsRouter } from './modules/revisions/router.js';
import { subscriptionsRouter } from './modules/subscriptions/router.js';
import { versionSetsRouter } from './modules/version-sets/router.js';
import { router } from './trpc/procedures.js';

export const appRouter = router({
  auth: router({ signUp, signIn, signOut, session: getSession, switchTenant, changePassword, acceptInvitation }),
  tenants: router({ get: getTenant, update: updateTenant }),
  workspaces: router({
    list: listWorkspaces,
    get: getWorkspace,
    create: createWorkspace,
    update: updateWorkspace,
    delete: deleteWorkspace,
  }),
  members: router({
    list: listMembers,
    updateRole: updateMemberRole,
    remove: removeMember,
    invite: inviteMember,
    listInvitations,
    revokeInvitation,
    listWorkspaceMembers,
    setWorkspaceMember,
    removeWorkspaceMember,
  }),
  tokens: router({ list: listTokens, create: createToken, revoke: revokeToken }),
  audit: router({ list: listAudit }),
  backends: backendsRouter,
  apis: apisRouter,
  versionSets: versionSetsRouter,
  revisions: revisionsRouter,
  operations: operationsRouter,
  gateways: gatewaysRouter,
  groups: groupsRouter,
  products: productsRouter,
  subscriptions: subscriptionsRouter,
  policies: policiesRouter,
  namedValues: namedValuesRouter,
  policyFragments: policyFragmentsRouter,
});

export type AppRouter = typeof appRouter;

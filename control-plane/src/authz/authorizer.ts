import { Enforcer } from 'casbin';
import type { Db } from '../db/client.js';
import { DrizzleCasbinAdapter } from './adapter.js';
import { createModel } from './model.js';
import { tenantDomain, userSubject, workspaceDomain, type PermissionAction, type PermissionObject } from './permissions.js';

export interface AccessRequest {
  userId: string;
  tenantId: string;
  /** Set for workspace-scoped rights: a grant in the workspace or in its tenant both count. */
  workspaceId?: string;
  object: PermissionObject;
  action: PermissionAction;
}

export interface Authorizer {
  can(request: AccessRequest): Promise<boolean>;
}

/**
 * Each decision loads the role rules and the caller's grants in the domains involved, so a
 * grant or revocation on one replica holds on every replica at once.
 */
export function createAuthorizer(db: Db): Authorizer {
  return {
    async can({ userId, tenantId, workspaceId, object, action }) {
      const subject = userSubject(userId);
      const domains = [tenantDomain(tenantId)];
      if (workspaceId) domains.push(workspaceDomain(workspaceId));
      const enforcer = new Enforcer();
      // lazyLoad: skip the full load; then load just this subject's grants.
      await enforcer.initWithModelAndAdapter(createModel(), new DrizzleCasbinAdapter(db), true);
      await enforcer.loadFilteredPolicy({ subject, domains });
      for (const domain of domains) {
        if (await enforcer.enforce(subject, domain, object, action)) return true;
      }
      return false;
    },
  };
}

import { newModelFromString, type Model } from 'casbin';

/**
 * RBAC with domains. `p` rows name a domain pattern (`tenant:*`, `workspace:*`) so one set
 * of role rules serves every tenant; `g` rows grant a role to a user in one domain.
 */
const MODEL = `
[request_definition]
r = sub, dom, obj, act

[policy_definition]
p = sub, dom, obj, act

[role_definition]
g = _, _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = g(r.sub, p.sub, r.dom) && keyMatch(r.dom, p.dom) && r.obj == p.obj && r.act == p.act
`;

export function createModel(): Model {
  return newModelFromString(MODEL);
}

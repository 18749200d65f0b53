import { router } from '../../trpc/procedures.js';
import { createPolicyFragment } from './create-policy-fragment.js';
import { deletePolicyFragment } from './delete-policy-fragment.js';
import { getPolicyFragment } from './get-policy-fragment.js';
import { listPolicyFragments } from './list-policy-fragments.js';
import { updatePolicyFragment } from './update-policy-fragment.js';

export const policyFragmentsRouter = router({
  list: listPolicyFragments,
  get: getPolicyFragment,
  create: createPolicyFragment,
  update: updatePolicyFragment,
  delete: deletePolicyFragment,
});

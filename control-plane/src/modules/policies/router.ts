import { router } from '../../trpc/procedures.js';
import { effectivePolicy } from './effective-policy.js';
import { globalPolicyRouter } from './global-policy-procedures.js';
import { tracePolicy } from './trace-policy.js';
import {
  apiPolicyRouter,
  operationPolicyRouter,
  productPolicyRouter,
  workspacePolicyRouter,
} from './scoped-policy-procedures.js';

export const policiesRouter = router({
  global: globalPolicyRouter,
  workspace: workspacePolicyRouter,
  product: productPolicyRouter,
  api: apiPolicyRouter,
  operation: operationPolicyRouter,
  effective: effectivePolicy,
  trace: tracePolicy,
});

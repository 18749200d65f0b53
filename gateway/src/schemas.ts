/**
 * The policy catalogue and document validation, for the control plane to reject bad policy
 * documents at write time (`@portico/gateway/schemas`). It depends only on zod, yaml and the CEL
 * library: importing it does not pull in the agent.
 */
export { policyCatalogue } from './policies/catalogue.js';
export type { PolicyCatalogue, PolicyDefinition } from './policies/policy-definition.js';
export type { PolicyConfigs } from './policies/policy-configs.js';
export type { PolicyName, PolicyStatement } from './policies/policy-statement.js';
export { PolicySection, policySections } from './policies/sections.js';
export { policyDocumentSchema, type PolicyDocument } from './policies/policy-document.js';
export {
  validatePolicyDocument,
  type PolicyDocumentError,
  type PolicyDocumentValidation,
  type ValidatePolicyDocumentOptions,
} from './policies/validate-policy-document.js';
export {
  parseSource as parsePolicySource,
  type SourceFormat,
  type ParsedSource,
  type LineLocator,
} from './policies/source-text.js';
export type { Expression } from './expressions/expression-schemas.js';

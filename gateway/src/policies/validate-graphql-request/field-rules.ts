import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  isUnionType,
  OperationTypeNode,
  type GraphQLSchema,
} from 'graphql';
import type { CompiledValue } from '../../expressions/compile-expression.js';
import { PipelineCompileError } from '../../pipeline/pipeline-compile-error.js';
import type { StatementDeps } from '../../pipeline/statement-handler.js';
import type { ValidateGraphqlRequestConfig } from './schema.js';

export type RuleAction = 'allow' | 'remove' | 'reject' | 'ignore';

export const RULE_ACTIONS: ReadonlySet<string> = new Set(['allow', 'remove', 'reject', 'ignore']);

// Without the API's GraphQL schema a field's parent type is known at the root only, where it is
// the operation's root type (by its conventional name).
export const CONVENTIONAL_ROOT_TYPES: Record<OperationTypeNode, string> = {
  query: 'Query',
  mutation: 'Mutation',
  subscription: 'Subscription',
};
const CONVENTIONAL_ROOT_NAMES = new Set(Object.values(CONVENTIONAL_ROOT_TYPES));

// `__typename` is not introspection of the schema; clients such as Apollo add it everywhere.
const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

/** One authorize rule, parsed at compile time. */
export interface FieldRule {
  readonly path: string;
  /** A type name, or undefined for any type (`*`, and single-segment paths). */
  readonly type: string | undefined;
  /** True for single-segment paths (`/name`, `/*`): they apply to fields of a root type only. */
  readonly rootOnly: boolean;
  /** A field name; `*` for any; `__*` for introspection fields. */
  readonly field: string;
  /** More specific rules are tried first: exact type, then exact field. */
  readonly specificity: number;
  readonly action: CompiledValue<string>;
}

/**
 * The authorize rules of a statement, most specific first (document order among equals).
 *
 * With the API's schema, a rule may name any object type and is refused when the schema lacks
 * the type or the field: a rule that never matched would pass requests it was written to stop.
 * As in Azure, interfaces, unions and input types cannot be named; a field selected through an
 * interface or union is matched by the rules of the object types it may resolve on. Without a
 * schema only root types can be named, by their conventional names: the parent type of a nested
 * field is unknown.
 */
export function compileFieldRules(
  rules: ValidateGraphqlRequestConfig['authorize'],
  deps: StatementDeps,
  schema: GraphQLSchema | undefined,
): FieldRule[] {
  const site = { policy: 'validate-graphql-request', path: deps.path };
  const compiled = (rules ?? []).map((rule, index): FieldRule & { index: number } => {
    const segments = rule.path.slice(1).split('/');
    const refuse = (reason: string) =>
      new PipelineCompileError(`${deps.path} validate-graphql-request: authorize[${index}].path ${rule.path}: ${reason}`);
    const action = deps.expressions.string(rule.action, site);
    if (segments.length === 1) {
      const [field] = segments as [string];
      if (schema !== undefined) checkRootField(schema, field, refuse);
      if (field === '__*') return { path: rule.path, type: undefined, rootOnly: false, field, specificity: 1, action, index };
      return { path: rule.path, type: undefined, rootOnly: true, field, specificity: field === '*' ? 0 : 1, action, index };
    }
    const [type, field] = segments as [string, string];
    if (schema !== undefined) checkTypedField(schema, type, field, refuse);
    else if (type !== '*' && !CONVENTIONAL_ROOT_NAMES.has(type)) {
      throw refuse(
        'the gateway has no GraphQL schema for this API, so only root types (Query, Mutation, Subscription), * and /__* ' +
          'can be authorized',
      );
    }
    const specificity = (type === '*' ? 0 : 2) + (field === '*' || field === '__*' ? 0 : 1);
    return { path: rule.path, type: type === '*' ? undefined : type, rootOnly: false, field, specificity, action, index };
  });
  compiled.sort((a, b) => b.specificity - a.specificity || a.index - b.index);
  return compiled;
}

type Refuse = (reason: string) => PipelineCompileError;

function rootTypesOf(schema: GraphQLSchema) {
  return [OperationTypeNode.QUERY, OperationTypeNode.MUTATION, OperationTypeNode.SUBSCRIPTION].flatMap((operation) => {
    const type = schema.getRootType(operation);
    return type === undefined || type === null ? [] : [{ operation, type }];
  });
}

function checkRootField(schema: GraphQLSchema, field: string, refuse: Refuse): void {
  if (field === '*' || field === '__*' || field === '__typename') return;
  const roots = rootTypesOf(schema);
  if (roots.some(({ type }) => type.getFields()[field] !== undefined)) return;
  throw refuse(
    `no root type of the API's GraphQL schema (${roots.map(({ type }) => type.name).join(', ')}) has a field ${field}`,
  );
}

function checkTypedField(schema: GraphQLSchema, typeName: string, field: string, refuse: Refuse): void {
  if (typeName === '*') {
    if (field === '*' || field === '__*' || field === '__typename') return;
    const types = Object.values(schema.getTypeMap());
    if (types.some((type) => (isObjectType(type) || isInterfaceType(type)) && type.getFields()[field] !== undefined)) return;
    throw refuse(`no type of the API's GraphQL schema has a field ${field}`);
  }
  const type = schema.getType(typeName);
  if (type === undefined || type === null) {
    const root = rootTypesOf(schema).find(({ operation }) => CONVENTIONAL_ROOT_TYPES[operation] === typeName);
    throw refuse(
      `the API's GraphQL schema has no type ${typeName}` +
        (root === undefined ? '' : ` (its ${root.operation} type is ${root.type.name})`),
    );
  }
  if (isInterfaceType(type)) {
    throw refuse(`${typeName} is an interface: name the object types implementing it, whose rules also apply through it`);
  }
  if (isUnionType(type)) throw refuse(`${typeName} is a union: name its member types, whose rules also apply through it`);
  if (isInputObjectType(type)) throw refuse(`${typeName} is an input type: its fields are never selected`);
  if (isScalarType(type) || isEnumType(type)) throw refuse(`${typeName} is a leaf type: it has no fields`);
  if (field === '*' || field === '__typename') return;
  if (field === '__*') {
    if (type === schema.getQueryType()) return;
    throw refuse(`introspection fields (__schema, __type) are fields of the query type only, not of ${typeName}`);
  }
  if (type.getFields()[field] === undefined) throw refuse(`type ${typeName} has no field ${field}`);
}

/**
 * Whether `rule` applies to field `field` of type `typeName` (undefined: a type no typed rule can
 * name — an unknown nested type without a schema, or the other members of an abstract type).
 */
export function ruleMatches(rule: FieldRule, field: string, typeName: string | undefined, atRoot: boolean): boolean {
  if (rule.rootOnly && !atRoot) return false;
  if (rule.type !== undefined && rule.type !== typeName) return false;
  if (rule.field === '*') return true;
  if (rule.field === '__*') return INTROSPECTION_FIELDS.has(field);
  return rule.field === field;
}

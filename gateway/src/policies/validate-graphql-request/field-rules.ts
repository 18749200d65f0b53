import {
  Kind,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type OperationTypeNode,
  type SelectionSetNode,
} from 'graphql';
import type { CompiledValue } from '../../expressions/compile-expression.js';
import { PipelineCompileError } from '../../pipeline/pipeline-compile-error.js';
import type { PolicyContext } from '../../pipeline/policy-context.js';
import type { StatementDeps } from '../../pipeline/statement-handler.js';
import type { ValidateGraphqlRequestConfig } from './schema.js';

export type RuleAction = 'allow' | 'remove' | 'reject' | 'ignore';

const ACTIONS = new Set<string>(['allow', 'remove', 'reject', 'ignore']);

// Without the API's GraphQL schema a field's parent type is known at the root only, where it is
// the operation's root type (by its conventional name).
const ROOT_TYPES: Record<OperationTypeNode, string> = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' };
const ROOT_TYPE_NAMES = new Set(Object.values(ROOT_TYPES));

// `__typename` is not introspection of the schema; clients such as Apollo add it everywhere.
const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

/** One authorize rule, parsed at compile time. */
export interface FieldRule {
  readonly path: string;
  /** A root type name, or undefined for any type (`*`, and single-segment paths at the root). */
  readonly type: string | undefined;
  /** True when the rule applies only to root fields (`/name`, `/*`, `/Query/name`). */
  readonly rootOnly: boolean;
  /** A field name; `*` for any; `__*` for introspection fields. */
  readonly field: string;
  /** More specific rules are tried first: exact type, then exact field. */
  readonly specificity: number;
  readonly action: CompiledValue<string>;
}

/**
 * The authorize rules of a statement, most specific first (document order among equals). Rules
 * naming a type other than a root type are refused: the gateway view has no GraphQL schema, so
 * it cannot tell which fields are of that type, and a rule that never matched would pass
 * requests it was written to stop.
 */
export function compileFieldRules(rules: ValidateGraphqlRequestConfig['authorize'], deps: StatementDeps): FieldRule[] {
  const site = { policy: 'validate-graphql-request', path: deps.path };
  const compiled = (rules ?? []).map((rule, index): FieldRule & { index: number } => {
    const segments = rule.path.slice(1).split('/');
    const action = deps.expressions.string(rule.action, site);
    if (segments.length === 1) {
      const [field] = segments as [string];
      if (field === '__*') return { path: rule.path, type: undefined, rootOnly: false, field, specificity: 1, action, index };
      return { path: rule.path, type: undefined, rootOnly: true, field, specificity: field === '*' ? 0 : 1, action, index };
    }
    const [type, field] = segments as [string, string];
    if (type !== '*' && !ROOT_TYPE_NAMES.has(type)) {
      throw new PipelineCompileError(
        `${deps.path} validate-graphql-request: authorize[${index}].path ${rule.path}: the gateway has no GraphQL schema for ` +
          'this API, so only root types (Query, Mutation, Subscription), * and /__* can be authorized',
      );
    }
    const specificity = (type === '*' ? 0 : 2) + (field === '*' || field === '__*' ? 0 : 1);
    return { path: rule.path, type: type === '*' ? undefined : type, rootOnly: type !== '*', field, specificity, action, index };
  });
  compiled.sort((a, b) => b.specificity - a.specificity || a.index - b.index);
  return compiled;
}

function matches(rule: FieldRule, field: string, rootType: string | undefined): boolean {
  if (rule.rootOnly && (rootType === undefined || (rule.type !== undefined && rule.type !== rootType))) return false;
  if (rule.field === '*') return true;
  if (rule.field === '__*') return INTROSPECTION_FIELDS.has(field);
  return rule.field === field;
}

/** What the rules decided for a document: fields to drop, and the first rejected field. */
export interface Authorization {
  readonly removed: FieldNode[];
  readonly rejected: { readonly field: FieldNode; readonly rule: FieldRule } | undefined;
}

/**
 * Applies the rules to every field of `document` (fragments included, each once per position:
 * root or nested). A rule's action is evaluated at most once per request; an action that is not
 * allow, remove, reject or ignore counts as reject, so a mistyped expression fails closed.
 */
export function authorizeFields(document: DocumentNode, rules: readonly FieldRule[], ctx: PolicyContext): Authorization {
  const removed: FieldNode[] = [];
  let rejected: Authorization['rejected'];
  const actions = new Array<RuleAction | undefined>(rules.length);
  const fragments = new Map<string, SelectionSetNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition.selectionSet);
  }
  const seen = new Set<string>();

  function actionOf(index: number): RuleAction {
    let action = actions[index];
    if (action === undefined) {
      const value = rules[index]!.action.evaluate(ctx);
      action = ACTIONS.has(value) ? (value as RuleAction) : 'reject';
      actions[index] = action;
    }
    return action;
  }

  function decide(field: FieldNode, rootType: string | undefined): RuleAction {
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      if (!matches(rule, field.name.value, rootType)) continue;
      const action = actionOf(i);
      if (action === 'ignore') continue;
      if (action === 'reject' && rejected === undefined) rejected = { field, rule };
      return action;
    }
    return 'allow';
  }

  function walk(set: SelectionSetNode, rootType: string | undefined): void {
    for (const selection of set.selections) {
      if (rejected !== undefined) return;
      if (selection.kind === Kind.FIELD) {
        const action = decide(selection, rootType);
        if (action === 'remove') removed.push(selection);
        else if (action !== 'reject' && selection.selectionSet !== undefined) walk(selection.selectionSet, undefined);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        walk(selection.selectionSet, rootType);
      } else {
        const key = `${rootType ?? ''}:${selection.name.value}`;
        const fragment = fragments.get(selection.name.value);
        if (fragment === undefined || seen.has(key)) continue;
        seen.add(key);
        walk(fragment, rootType);
      }
    }
  }

  if (rules.length > 0) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION) walk(definition.selectionSet, ROOT_TYPES[definition.operation]);
    }
  }
  return { removed, rejected };
}

/**
 * The document without `removed` fields. A selection left empty goes too (its field, inline
 * fragment or fragment and the spreads of it), since an empty selection is not GraphQL; returns
 * undefined when an operation is left with nothing to select.
 */
export function withoutFields(document: DocumentNode, removed: readonly FieldNode[]): DocumentNode | undefined {
  const drop = new Set<unknown>(removed);
  let current = document;
  // Each round removes what the previous one emptied; fragments nest a bounded number of levels.
  for (let round = 0; round < 64; round++) {
    const droppedFragments = new Set<string>();
    let changed = false;
    current = visit(current, {
      Field: {
        enter: (node) => (drop.has(node) ? ((changed = true), null) : undefined),
        leave: (node) =>
          node.selectionSet !== undefined && node.selectionSet.selections.length === 0 ? ((changed = true), null) : undefined,
      },
      FragmentSpread: (node) => (drop.has(node.name.value) ? ((changed = true), null) : undefined),
      InlineFragment: { leave: (node) => (node.selectionSet.selections.length === 0 ? ((changed = true), null) : undefined) },
      FragmentDefinition: {
        leave: (node) => {
          if (node.selectionSet.selections.length > 0) return undefined;
          droppedFragments.add(node.name.value);
          changed = true;
          return null;
        },
      },
    });
    for (const name of droppedFragments) drop.add(name);
    if (droppedFragments.size === 0 || !changed) break;
  }
  for (const definition of current.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION && definition.selectionSet.selections.length === 0) return undefined;
  }
  return withoutUnused(current);
}

/**
 * Drops the fragments and variable definitions that removing fields left unused: the spec
 * (NoUnusedFragments, NoUnusedVariables) makes a document holding them invalid.
 */
function withoutUnused(document: DocumentNode): DocumentNode {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const usedFragments = new Set<string>();
  const usedVariables = new Map<OperationDefinitionNode, Set<string>>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const variables = new Set<string>();
    const expanded = new Set<string>();
    const pending: (OperationDefinitionNode | FragmentDefinitionNode)[] = [definition];
    while (pending.length > 0) {
      visit(pending.pop()!, {
        VariableDefinition: () => false,
        Variable: (node) => {
          variables.add(node.name.value);
        },
        FragmentSpread: (node) => {
          const name = node.name.value;
          usedFragments.add(name);
          const fragment = fragments.get(name);
          if (fragment !== undefined && !expanded.has(name)) {
            expanded.add(name);
            pending.push(fragment);
          }
        },
      });
    }
    usedVariables.set(definition, variables);
  }
  return visit(document, {
    OperationDefinition: (node) => {
      const used = usedVariables.get(node)!;
      const kept = node.variableDefinitions?.filter((variable) => used.has(variable.variable.name.value));
      return kept?.length === node.variableDefinitions?.length ? undefined : { ...node, variableDefinitions: kept };
    },
    FragmentDefinition: (node) => (usedFragments.has(node.name.value) ? false : null),
  });
}

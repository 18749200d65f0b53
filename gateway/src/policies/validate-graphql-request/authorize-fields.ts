import {
  BREAK,
  isAbstractType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { PolicyContext } from '../../pipeline/policy-context.js';
import { CONVENTIONAL_ROOT_TYPES, RULE_ACTIONS, ruleMatches, type FieldRule, type RuleAction } from './field-rules.js';

/** What the rules decided for a document: fields to drop, and the first rejected field. */
export interface Authorization {
  readonly removed: readonly FieldNode[];
  readonly rejected: { readonly field: FieldNode; readonly rule: FieldRule } | undefined;
}

/** Applies a statement's authorize rules to one request document. */
export type FieldAuthorizer = (document: DocumentNode, ctx: PolicyContext) => Authorization;

const NOTHING: Authorization = { removed: [], rejected: undefined };

const SEVERITY: Record<RuleAction, number> = { ignore: 0, allow: 0, remove: 1, reject: 2 };

/**
 * The rule deciding each field: the most specific one that matches and whose action is not
 * ignore. A rule's action is evaluated at most once per request; an action that is not allow,
 * remove, reject or ignore counts as reject, so a mistyped expression fails closed.
 */
class RuleDecisions {
  readonly #actions: (RuleAction | undefined)[];

  constructor(
    readonly rules: readonly FieldRule[],
    private readonly ctx: PolicyContext,
  ) {
    this.#actions = new Array<RuleAction | undefined>(rules.length);
  }

  action(index: number): RuleAction {
    let action = this.#actions[index];
    if (action === undefined) {
      const value = this.rules[index]!.action.evaluate(this.ctx);
      action = RULE_ACTIONS.has(value) ? (value as RuleAction) : 'reject';
      this.#actions[index] = action;
    }
    return action;
  }

  /** The index of the deciding rule, or -1 when none does (the field is allowed). */
  first(field: string, typeName: string | undefined, atRoot: boolean): number {
    for (let i = 0; i < this.rules.length; i++) {
      if (ruleMatches(this.rules[i]!, field, typeName, atRoot) && this.action(i) !== 'ignore') return i;
    }
    return -1;
  }
}

/**
 * The authorizer of a statement's rules: by the fields' real parent types when the API's schema
 * is known, by position (root or nested) otherwise.
 */
export function createFieldAuthorizer(rules: readonly FieldRule[], schema: GraphQLSchema | undefined): FieldAuthorizer {
  if (rules.length === 0) return () => NOTHING;
  return schema === undefined ? schemalessAuthorizer(rules) : typedAuthorizer(rules, schema);
}

/**
 * Without a schema: every field reachable from an operation (fragments included, each once per
 * position), the root fields typed by their operation's conventional root type name.
 */
function schemalessAuthorizer(rules: readonly FieldRule[]): FieldAuthorizer {
  return function authorizeFields(document, ctx) {
    const decisions = new RuleDecisions(rules, ctx);
    const removed: FieldNode[] = [];
    let rejected: Authorization['rejected'];
    const fragments = new Map<string, SelectionSetNode>();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition.selectionSet);
    }
    const seen = new Set<string>();

    function walk(set: SelectionSetNode, rootType: string | undefined): void {
      for (const selection of set.selections) {
        if (rejected !== undefined) return;
        if (selection.kind === Kind.FIELD) {
          const index = decisions.first(selection.name.value, rootType, rootType !== undefined);
          const action = index === -1 ? 'allow' : decisions.action(index);
          if (action === 'reject') rejected = { field: selection, rule: rules[index]! };
          else if (action === 'remove') removed.push(selection);
          else if (selection.selectionSet !== undefined) walk(selection.selectionSet, undefined);
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

    for (const definition of document.definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION)
        walk(definition.selectionSet, CONVENTIONAL_ROOT_TYPES[definition.operation]);
    }
    return { removed, rejected };
  };
}

/** Of an abstract type's possible object types: those the rules name, and whether others remain. */
interface AbstractCandidates {
  readonly named: readonly string[];
  readonly others: boolean;
}

const UNNAMED: AbstractCandidates = { named: [], others: true };

/**
 * With the schema: each field is decided by its parent type as graphql's TypeInfo tracks it
 * (fragments by their type condition, so each fragment is decided once). A field selected on an
 * interface or union may resolve on any of its object types, so it gets the strictest decision of
 * those types' rules (reject over remove over allow): a rule on `/Droid/name` cannot be bypassed
 * by selecting `name` through the `Character` interface. Fields under a removed or rejected field
 * are not looked at, nor fragments spread only there.
 */
function typedAuthorizer(rules: readonly FieldRule[], schema: GraphQLSchema): FieldAuthorizer {
  const roots = new Set(
    [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((type) => (type ? [type.name] : [])),
  );
  const namedTypes = new Set(rules.flatMap((rule) => (rule.type === undefined ? [] : [rule.type])));
  // Precomputed so that a field on an abstract type costs the rules of the types named, not of
  // every implementation (an interface such as Node may have hundreds).
  const abstract = new Map<string, AbstractCandidates>();
  if (namedTypes.size > 0) {
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isAbstractType(type)) continue;
      const possible = schema.getPossibleTypes(type);
      const named = possible.filter((member) => namedTypes.has(member.name)).map((member) => member.name);
      if (named.length > 0) abstract.set(type.name, { named, others: named.length < possible.length });
    }
  }

  function decide(decisions: RuleDecisions, field: string, parent: GraphQLCompositeType | null | undefined): number {
    if (parent === null || parent === undefined) return decisions.first(field, undefined, false);
    if (!isAbstractType(parent)) return decisions.first(field, parent.name, roots.has(parent.name));
    const candidates = abstract.get(parent.name) ?? UNNAMED;
    let strictest = candidates.others ? decisions.first(field, undefined, false) : -1;
    for (const typeName of candidates.named) {
      const index = decisions.first(field, typeName, false);
      if (index === -1) continue;
      if (strictest === -1 || SEVERITY[decisions.action(index)] > SEVERITY[decisions.action(strictest)]) strictest = index;
    }
    return strictest;
  }

  return function authorizeTypedFields(document, ctx) {
    const decisions = new RuleDecisions(rules, ctx);
    const removed: FieldNode[] = [];
    let rejected: Authorization['rejected'];
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const pending: FragmentDefinitionNode[] = [];
    const queued = new Set<string>();
    const typeInfo = new TypeInfo(schema);
    const visitor = visitWithTypeInfo(typeInfo, {
      Field(node) {
        const index = decide(decisions, node.name.value, typeInfo.getParentType());
        const action = index === -1 ? 'allow' : decisions.action(index);
        if (action === 'reject') {
          rejected = { field: node, rule: rules[index]! };
          return BREAK;
        }
        if (action !== 'remove') return undefined;
        removed.push(node);
        return false;
      },
      FragmentSpread(node) {
        const fragment = fragments.get(node.name.value);
        if (fragment !== undefined && !queued.has(fragment.name.value)) {
          queued.add(fragment.name.value);
          pending.push(fragment);
        }
      },
    });

    for (const definition of document.definitions) {
      if (rejected !== undefined) break;
      if (definition.kind === Kind.OPERATION_DEFINITION) visit(definition, visitor);
    }
    while (rejected === undefined && pending.length > 0) visit(pending.pop()!, visitor);
    return { removed, rejected };
  };
}

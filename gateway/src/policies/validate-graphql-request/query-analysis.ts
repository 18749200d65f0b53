import {
  buildSchema,
  ExecutableDefinitionsRule,
  Kind,
  KnownFragmentNamesRule,
  LoneAnonymousOperationRule,
  NoFragmentCyclesRule,
  NoUndefinedVariablesRule,
  NoUnusedFragmentsRule,
  NoUnusedVariablesRule,
  UniqueArgumentNamesRule,
  UniqueFragmentNamesRule,
  UniqueInputFieldNamesRule,
  UniqueOperationNamesRule,
  UniqueVariableNamesRule,
  specifiedRules,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

/**
 * The validation rules of the GraphQL spec that need no schema, for APIs whose view carries no
 * GraphQL SDL: documents are checked for what can be known without it (well-formed operations,
 * fragments and variables); field and type checks are then the backend's.
 */
const SCHEMALESS_RULES = [
  ExecutableDefinitionsRule,
  UniqueOperationNamesRule,
  LoneAnonymousOperationRule,
  UniqueFragmentNamesRule,
  KnownFragmentNamesRule,
  NoUnusedFragmentsRule,
  NoFragmentCyclesRule,
  UniqueVariableNamesRule,
  NoUndefinedVariablesRule,
  NoUnusedVariablesRule,
  UniqueArgumentNamesRule,
  UniqueInputFieldNamesRule,
];

// validate() wants a valid schema; none of the rules above looks into it.
const MINIMAL_SCHEMA = buildSchema('type Query { _: Boolean }');

/**
 * The spec's validation errors of a parsed document, at most `limit`: every rule against the
 * API's schema (unknown fields, argument and variable types, required arguments…), or the
 * schema-independent ones without it. graphql meters the costly field-merging rule and answers
 * "Validation aborted." past its budget, so a hostile document costs a bounded time.
 */
export function validateDocument(
  schema: GraphQLSchema | undefined,
  document: DocumentNode,
  limit: number,
): readonly GraphQLError[] {
  if (schema === undefined) return validate(MINIMAL_SCHEMA, document, SCHEMALESS_RULES, { maxErrors: limit });
  // Suggestions ("Did you mean …?") would reveal the schema to callers denied introspection.
  return validate(schema, document, specifiedRules, { maxErrors: limit, hideSuggestions: true });
}

/** Deepest `{` nesting parsed: graphql-js parses recursively, so deeper text is refused unread. */
export const MAX_BRACE_NESTING = 128;

/** Whether a GraphQL text nests braces deeper than `limit`, strings, block strings and comments skipped. */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x23) {
      while (i < text.length && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x22) {
      if (text.startsWith('"""', i)) {
        const end = text.indexOf('"""', i + 3);
        i = end === -1 ? text.length : end + 2;
      } else {
        for (i++; i < text.length && text.charCodeAt(i) !== 0x22 && text.charCodeAt(i) !== 0x0a; i++) {
          if (text.charCodeAt(i) === 0x5c) i++;
        }
      }
    } else if (c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d) depth--;
  }
  return false;
}

const MAX_FRAGMENT_NESTING = 64;

/**
 * The field depth of every operation of `document` (`{ a { b } }` is 2), fragments expanded, up
 * to `limit + 1`: counting stops past the limit. Fragments are measured once each, so documents
 * spreading fragments into one another many times cost no more than their size. Run after
 * validateDocument, which refuses fragment cycles.
 */
export function queryDepth(document: DocumentNode, limit: number): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const fragmentDepths = new Map<string, number>();
  let fragmentNesting = 0;

  function selectionDepth(set: SelectionSetNode, level: number): number {
    // level: fields above this set. Past the limit nothing deeper matters.
    if (level > limit) return level;
    let deepest = level;
    for (const selection of set.selections) {
      let depth: number;
      if (selection.kind === Kind.FIELD) {
        depth = selection.selectionSet === undefined ? level + 1 : selectionDepth(selection.selectionSet, level + 1);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        depth = selectionDepth(selection.selectionSet, level);
      } else {
        depth = level + fragmentDepth(selection.name.value);
      }
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    }
    return deepest;
  }

  function fragmentDepth(name: string): number {
    const known = fragmentDepths.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    // Fragments spreading fragments this many levels deep count as too deep: measuring them would
    // recurse as deep as the chain.
    if (fragmentNesting >= MAX_FRAGMENT_NESTING) return limit + 1;
    fragmentNesting++;
    const depth = fragment === undefined ? 0 : selectionDepth(fragment.selectionSet, 0);
    fragmentNesting--;
    fragmentDepths.set(name, depth);
    return depth;
  }

  let deepest = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    deepest = Math.max(deepest, selectionDepth(definition.selectionSet, 0));
    if (deepest > limit) break;
  }
  return deepest;
}

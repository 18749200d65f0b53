import {
  Kind,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
} from 'graphql';

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

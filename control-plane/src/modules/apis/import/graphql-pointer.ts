import { Kind, type ASTNode, type DocumentNode } from 'graphql';

interface Named {
  name?: { value: string };
  loc?: { start: number; end: number };
}

interface WithMembers extends Named {
  fields?: readonly (Named & { arguments?: readonly Named[] })[];
  values?: readonly Named[];
  arguments?: readonly Named[];
}

/**
 * A pointer to the SDL definition enclosing a source offset: `/types/Film/fields/title`,
 * `/types/Film/fields/characters/args/first`, `/directives/auth`, `/schema`. GraphQL errors
 * carry positions; the pointer says which definition that is, so it survives edits that move lines.
 */
export function graphqlPointerAt(document: DocumentNode, offset: number): string {
  const definition = document.definitions.find((node) => encloses(node, offset)) as (ASTNode & WithMembers) | undefined;
  if (!definition) return '';
  if (definition.kind === Kind.SCHEMA_DEFINITION || definition.kind === Kind.SCHEMA_EXTENSION) return '/schema';
  const name = definition.name?.value ?? '';
  if (definition.kind === Kind.DIRECTIVE_DEFINITION)
    return `/directives/${name}${memberPointer('args', definition.arguments, offset)}`;
  const field = definition.fields?.find((member) => encloses(member, offset));
  if (field) return `/types/${name}/fields/${field.name?.value ?? ''}${memberPointer('args', field.arguments, offset)}`;
  return `/types/${name}${memberPointer('values', definition.values, offset)}`;
}

function memberPointer(kind: string, members: readonly Named[] | undefined, offset: number): string {
  const member = members?.find((node) => encloses(node, offset));
  return member ? `/${kind}/${member.name?.value ?? ''}` : '';
}

function encloses(node: Named, offset: number): boolean {
  return node.loc !== undefined && node.loc.start <= offset && offset <= node.loc.end;
}

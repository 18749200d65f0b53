import { z } from 'zod';
import { didYouMean } from './did-you-mean.js';
import type { PolicyCatalogue, PolicyDefinition } from './policy-definition.js';
import type { PolicyName, PolicyStatement, StatementListSchema } from './policy-statement.js';
import type { PolicySection } from './sections.js';

export interface StatementLists {
  /**
   * The schema of a statement list in `section` (undefined: no section rules), at the top of the
   * section or nested in choose, retry or limit-concurrency (where `base` cannot go).
   */
  list(section: PolicySection | undefined, nested: boolean): StatementListSchema;
}

type Issue = z.core.$ZodRawIssue;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Statement lists dispatch each item to its policy's schema by hand rather than through a zod
 * union: a union of 38 single-key objects would report every branch's mismatch, where the
 * author needs one message for the policy they wrote. Schemas are built once per section and
 * kept, since each nested policy's schema depends on the section it is checked in.
 */
export function createStatementLists(catalogue: PolicyCatalogue): StatementLists {
  const names = Object.keys(catalogue);
  const lists = new Map<string, StatementListSchema>();
  const nestingSchemas = new Map<string, z.ZodType>();

  function list(section: PolicySection | undefined, nested: boolean): StatementListSchema {
    const key = `${section ?? '*'}:${nested}`;
    let schema = lists.get(key);
    if (!schema) {
      schema = createList(section, nested);
      lists.set(key, schema);
    }
    return schema;
  }

  function configSchema(name: PolicyName, definition: PolicyDefinition, section: PolicySection | undefined): z.ZodType {
    if (!definition.withStatements) return definition.schema;
    const key = `${section ?? '*'}:${name}`;
    let schema = nestingSchemas.get(key);
    if (!schema) {
      schema = definition.withStatements(list(section, true));
      nestingSchemas.set(key, schema);
    }
    return schema;
  }

  // Issues are pushed with paths relative to the statement; the list prefixes the index.
  function parseStatement(
    item: unknown,
    section: PolicySection | undefined,
    nested: boolean,
    issues: Issue[],
  ): PolicyStatement | undefined {
    if (!isPlainObject(item)) {
      issues.push({
        code: 'custom',
        message: 'expected a policy statement: an object with one key, the policy name, such as { "set-header": { … } }',
        input: item,
      });
      return undefined;
    }
    const keys = Object.keys(item);
    const [name] = keys;
    if (name === undefined || keys.length > 1) {
      issues.push({
        code: 'custom',
        message:
          name === undefined
            ? 'empty statement: expected one key, the policy name'
            : `a statement holds one policy, found ${keys.map((key) => `'${key}'`).join(', ')}: give each its own list item`,
        input: item,
      });
      return undefined;
    }
    if (!Object.hasOwn(catalogue, name)) {
      issues.push({ code: 'custom', message: `unknown policy '${name}'${didYouMean(name, names)}`, input: item, path: [name] });
      return undefined;
    }
    const policy = name as PolicyName;
    const definition: PolicyDefinition = catalogue[policy];
    if (policy === 'base' && nested) {
      // The control plane flattens `base` per section (CONVENTIONS §4); a conditional one could not be.
      issues.push({ code: 'custom', message: 'base can only be used at the top level of a section', input: item, path: [name] });
    } else if (section !== undefined && !definition.sections.includes(section)) {
      issues.push({
        code: 'custom',
        message: `policy '${name}' is not allowed in ${section}; it can be used in ${definition.sections.join(', ')}`,
        input: item,
        path: [name],
      });
    }
    // YAML writes a policy without settings as `- base:`, which parses to null.
    const result = configSchema(policy, definition, section).safeParse(item[name] ?? {});
    if (!result.success) {
      for (const issue of result.error.issues) issues.push({ ...issue, input: undefined, path: [name, ...issue.path] });
      return undefined;
    }
    return issues.length === 0 ? ({ [name]: result.data } as PolicyStatement) : undefined;
  }

  function createList(section: PolicySection | undefined, nested: boolean): StatementListSchema {
    // null is accepted as an empty list: YAML writes an empty section as `inbound:`.
    return z
      .array(z.unknown())
      .nullable()
      .transform((items, payload) => {
        const statements: PolicyStatement[] = [];
        let bases = 0;
        (items ?? []).forEach((item, index) => {
          const issues: Issue[] = [];
          const statement = parseStatement(item, section, nested, issues);
          if (isPlainObject(item) && Object.hasOwn(item, 'base') && ++bases > 1) {
            issues.push({ code: 'custom', message: 'base can appear only once in a section', input: item, path: ['base'] });
          }
          for (const issue of issues) payload.issues.push({ ...issue, path: [index, ...(issue.path ?? [])] });
          if (statement) statements.push(statement);
        });
        return statements;
      });
  }

  return { list };
}

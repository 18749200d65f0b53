import type { z } from 'zod';
import type { PolicyConfigs } from './policy-configs.js';
import type { PolicyName, StatementListSchema } from './policy-statement.js';
import type { PolicySection } from './sections.js';

export interface PolicyDefinition<Config = unknown> {
  /** What the policy does (its schema's description). */
  readonly description: string;
  /** Sections the policy may be used in, after Azure's usage rules. */
  readonly sections: readonly PolicySection[];
  /** Validates one config; statement lists inside it are checked without section rules. */
  readonly schema: z.ZodType<Config>;
  /** A realistic valid config, for documentation, editors and tests. */
  readonly example: unknown;
  /** For policies holding statement lists: the schema whose lists obey a given section's rules. */
  readonly withStatements?: (statements: StatementListSchema) => z.ZodType<Config>;
}

export type PolicyCatalogue = { readonly [Name in PolicyName]: PolicyDefinition<PolicyConfigs[Name]> };

import type { z } from 'zod';
import type { PolicyConfigs } from './policy-configs.js';

export type PolicyName = keyof PolicyConfigs;

/** One statement of a section: `{ "<policy name>": <its config> }`. */
export type PolicyStatement = { [Name in PolicyName]: { [Key in Name]: PolicyConfigs[Key] } }[PolicyName];

/** A statement list, checked with the rules of the section it belongs to (statement-lists.ts). */
export type StatementListSchema = z.ZodType<PolicyStatement[]>;

import { z } from 'zod';
import { configObject } from '../fields.js';

/**
 * base: where the statements of the enclosing scope run (global → workspace → product → API →
 * operation). Omitting it drops them, as in Azure. Takes no settings; YAML `- base:` is fine.
 *
 * @example { "base": {} }
 */
export const baseSchema = configObject({}).meta({
  description: "Runs the enclosing scope's statements for this section at this point.",
});

export type BaseConfig = z.infer<typeof baseSchema>;

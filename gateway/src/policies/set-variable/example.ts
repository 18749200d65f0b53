import type { z } from 'zod';
import type { setVariableSchema } from './schema.js';

/** A realistic set-variable config: documentation for authors, a fixture for the tests. */
export const setVariableExample = {
  name: 'isMobile',
  value: '@(request.headers[?"user-agent"].orValue("").contains("Mobile"))',
} satisfies z.input<typeof setVariableSchema>;

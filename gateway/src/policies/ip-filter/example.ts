import type { z } from 'zod';
import type { ipFilterSchema } from './schema.js';

/** A realistic ip-filter config: documentation for authors, a fixture for the tests. */
export const ipFilterExample = {
  action: 'forbid',
  address: ['198.51.100.23'],
  'address-range': [
    {
      from: '203.0.113.0',
      to: '203.0.113.255',
    },
    {
      from: '2001:db8::',
      to: '2001:db8::ffff',
    },
  ],
} satisfies z.input<typeof ipFilterSchema>;

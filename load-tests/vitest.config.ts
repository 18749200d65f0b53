import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'load-tests',
    // Only the benches' own helpers are unit-tested; the benches themselves are run by hand.
    include: ['bench/**/*.test.ts'],
  },
});

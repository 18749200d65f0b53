import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'gateway',
    include: ['src/**/*.test.ts'],
    // The tests are pure (schemas in, errors out): sharing one module graph per worker saves
    // re-importing the catalogue and the CEL environment for each of the ~40 files.
    isolate: false,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'control-plane',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Each file gets its own database; hooks that create one need time on a busy machine.
    hookTimeout: 60_000,
    testTimeout: 30_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['proto', 'gateway', 'control-plane', 'load-tests'],
  },
});

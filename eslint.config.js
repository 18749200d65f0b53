// @ts-check
// ESLint flat config for the whole monorepo. TypeScript is linted with type information
// (typescript-eslint's project service finds each file's tsconfig); plain .js/.mjs/.cjs files
// (configs and scripts) are linted without it.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const unusedVars = [
  'error',
  {
    argsIgnorePattern: '^_',
    varsIgnorePattern: '^_',
    caughtErrorsIgnorePattern: '^_',
    destructuredArrayIgnorePattern: '^_',
  },
];

export default defineConfig(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/.data/**',
      '**/coverage/**',
      // Generated, then reviewed; never hand-edited (CONVENTIONS.md §17).
      '**/migrations/**',
      'proto/gen/**',
      'sdk/src/gen/**',
      '**/gen/**',
    ],
  },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          // Root-level tool configs (vitest.config.ts…) belong to no workspace tsconfig;
          // type-check them with the shared base options.
          allowDefaultProject: ['*.config.ts'],
          defaultProject: 'tsconfig.base.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // An unawaited promise loses its rejection; a promise passed where a void callback is
      // expected (event handlers, Koa/node:http callbacks) does the same.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': unusedVars,
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'module',
      // The few Node globals config files and scripts use; avoids depending on the `globals` package.
      globals: {
        console: 'readonly',
        process: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
);

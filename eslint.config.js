// Lint for bugs, not style, and only with rules that need no type information: type-aware linting would run the
// TypeScript program a second time (tsc --noEmit already does) and make `npm run check` slow.
// ESLint's own defineConfig, not tseslint.config(): typescript-eslint 8 deprecates its helper in favour of it.
import { defineConfig } from 'eslint/config';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const sandboxMessage =
  'Workflow code runs in a deterministic sandbox (bundled and evaluated as CommonJS): no Node built-ins, ' +
  'I/O clients or worker/client SDK packages. Do that work in an activity and import activities with `import type`.';

// Every built-in by bare name (fs, path, fs/promises, ...) from Node itself, so the list cannot go stale, plus
// anything spelled `node:...` below. The bundler only logs such imports, it does not fail, so this is the guard.
const bannedInWorkflows = [
  ...builtinModules,
  '@temporalio/worker',
  '@temporalio/client',
  '@temporalio/testing',
  '@temporalio/activity',
  'ioredis',
  '@duckdb/node-api',
  'apache-arrow',
];

export default defineConfig(
  {
    ignores: ['node_modules/', '.tools/', 'dist/', 'coverage/', 'bench/**/data/', 'examples/**/data/'],
  },
  tseslint.configs.recommended,
  {
    rules: {
      // `_`-prefixed names mark deliberately unused parameters (e.g. an interface's callback signature).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Workflow code and the pure modules it imports from elsewhere (they are bundled into the sandbox too).
    files: [
      'src/workflows/**/*.ts',
      'src/freshness/{details,transition,duration-text}.ts',
      'src/drift/transition.ts',
      'src/registry/{duration,instant,dtypes}.ts',
      'test/**/fixtures/*workflows*.ts',
    ],
    rules: {
      // The TS variant so `import type` stays allowed: types are erased and never reach the sandbox, which is how
      // workflows see activity signatures.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: bannedInWorkflows.map((name) => ({ name, message: sandboxMessage, allowTypeImports: true })),
          patterns: [
            {
              group: ['node:*', ...bannedInWorkflows.map((name) => `${name}/*`)],
              message: sandboxMessage,
              allowTypeImports: true,
            },
            {
              // Activity modules use Node and I/O; a value import would drag them into the bundle.
              group: ['**/activities', '**/activities/**', '**/activities.js', './*-activities.js', '../*-activities.js'],
              message: sandboxMessage,
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);

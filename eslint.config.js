// ESLint (flat config) with typescript-eslint's type-aware rules. Type information comes from tsconfig.json
// through the project service, so the linter sees the same program the compiler does.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'proto/gen/', 'node_modules/', 'test-output/', 'coverage/'] },
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A leading underscore marks a parameter a signature requires but the body does not use (express error
      // handlers need all four); a rest sibling is how a field is left out of a copy (`{ _id, ...rest }`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Off: the adapters implement promise-returning ports (the in-memory key-value store, the embedded store)
      // with synchronous bodies, and `async` is what turns a throw in them into a rejected promise as the port
      // promises. Unawaited and misused promises are caught by no-floating-promises and no-misused-promises.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // No async context in the product: on Node 20 AsyncLocalStorage (async_hooks) runs a hook on every promise of
    // the process, ~10-15 % of a request's CPU. A request's ids and logger are passed down explicitly
    // (services/kit/src/logger.ts: RequestScope, requestLogger; the gateway's http/request-context.ts).
    files: ['gateway/src/**/*.ts', 'services/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['node:async_hooks', 'async_hooks'].map((name) => ({
            name,
            message: 'pass the request scope explicitly: async_hooks cost every promise of the process',
          })),
        },
      ],
    },
  },
  {
    // The few plain-JavaScript build helpers are not part of tsconfig.json: lint them without type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // Tests read response bodies (`await res.json()`), gRPC replies and parsed logs as untyped JSON by nature, and
    // assert on them field by field: the no-unsafe-* family and no-explicit-any would flag every such line without
    // making a test more correct. The promise rules (no-floating-promises, no-misused-promises, await-thenable)
    // and the rest stay on for tests, where a forgotten await hides a failing assertion.
    files: ['**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
);

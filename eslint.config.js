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

// Lint: the recommended JavaScript and typescript-eslint rules (syntax only,
// no type information, so it stays fast) over src/, commands/, bin/, test/
// and bench/. `npm run lint`; scripts/test-all.sh runs it with knip.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['src/config/*.gen.ts', 'dist/', 'node_modules/', 'image/', 'reports/', '.stryker-tmp*/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // validation and the hostile-input tests look for control characters on purpose
      'no-control-regex': 'off',
    },
  },
  // the few plain JavaScript files (bin/) run on Node.js
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: { process: 'readonly' } } },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      // tests read JSON from ip/tc/docker and rethrow with a clearer message
      '@typescript-eslint/no-explicit-any': 'off',
      'preserve-caught-error': 'off',
    },
  },
)

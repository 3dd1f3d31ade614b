import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Module boundaries (docs/adr/0008-kernel-and-module-boundaries.md). Each entry is a regular
// expression over an import's specifier, checked for static imports (no-restricted-imports) and
// for dynamic import() (no-restricted-syntax: no-restricted-imports does not see those).
const APP_IN_LIB = {
  regex: '(^|/)apps/',
  message: 'libs and migrations never import apps: move what both need into a lib (e.g. @maxhub/core).',
};
const appFromApp = (others) => ({
  regex: `(^|/)apps/(${others})/|^(\\.\\./)+(${others})/src(/|$)`,
  message: 'an app never imports another app: shared code belongs in a lib (@maxhub/core).',
});
const LIB_SRC_FROM_OUTSIDE = {
  regex: '(^|/)libs/[\\w.-]+/src(/|$)',
  message: 'import a library through its @maxhub/* alias (its index.ts), not a relative path into its src.',
};
const LIB_SRC_FROM_LIB = {
  regex: '^(\\.\\./){2,}[\\w.-]+/src(/|$)',
  message:
    'import a sibling library through its @maxhub/* alias (its index.ts), not a relative path into its src.',
};
const LIVE_CODE_IN_MIGRATION = {
  regex: '^@maxhub/|(^|/)libs/',
  message: 'a migration never imports live code: give it a frozen copy of the data it needs.',
};
/** Both rules for one set of files. esquery regexes may not contain "/", hence \x2F. */
const boundaries = (files, patterns) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns }],
    'no-restricted-syntax': [
      'error',
      ...patterns.map((p) => ({
        selector: `ImportExpression[source.value=/${p.regex.replaceAll('/', '\\x2F')}/]`,
        message: p.message,
      })),
    ],
  },
});

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      '*.js',
      '*.mjs',
      'scripts/*.js',
      'scripts/*.mjs',
      '.minio/**',
      '.run/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  {
    // GraphQL answers in tests are loosely typed JSON; tests assert their shape explicitly.
    files: ['test/**/*.ts', 'libs/testing/**/*.ts', '**/*.spec.ts', '**/*.int-spec.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  boundaries(['libs/**/*.ts'], [APP_IN_LIB, LIB_SRC_FROM_LIB]),
  // A library's tests may build fixtures from a sibling's internals (e.g. @maxhub/pki's
  // pki.test-fixtures.ts), which no index.ts exports.
  boundaries(['libs/**/*.spec.ts', 'libs/**/*.int-spec.ts', 'libs/**/*.test-fixtures.ts'], [APP_IN_LIB]),
  boundaries(['migrations/**/*.ts'], [APP_IN_LIB, LIVE_CODE_IN_MIGRATION]),
  boundaries(['apps/hub/**/*.ts'], [appFromApp('worker|cli'), LIB_SRC_FROM_OUTSIDE]),
  boundaries(['apps/worker/**/*.ts'], [appFromApp('hub|cli'), LIB_SRC_FROM_OUTSIDE]),
  boundaries(['apps/cli/**/*.ts'], [appFromApp('hub|worker'), LIB_SRC_FROM_OUTSIDE]),
  // test/ (the e2e suite and test/support, which boots the apps) and bench/ (which measures
  // library internals no index.ts exports) have no boundary rules.
  {
    // Configuration is read once, validated, by @maxhub/config. Tests, their support code,
    // benchmarks and scripts set up environments of their own.
    files: ['**/*.ts'],
    ignores: [
      'libs/config/**',
      'libs/testing/**',
      'test/**',
      'bench/**',
      'scripts/**',
      '**/*.spec.ts',
      '**/*.int-spec.ts',
    ],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message:
            'read configuration through @maxhub/config (loadConfig): libs/config is the only reader of process.env.',
        },
      ],
    },
  },
);

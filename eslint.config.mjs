import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** What the TypeScript block below adds to strictTypeChecked, or changes in it. */
const typeScriptRules = {
  // The two rules this project relies on most: a promise nobody awaits loses its rejection (in
  // strictTypeChecked already, named so that it stays), and a switch over a union must name every
  // member or say `default` (not in any preset).
  '@typescript-eslint/no-floating-promises': 'error',
  '@typescript-eslint/switch-exhaustiveness-check': [
    'error',
    { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
  ],
  '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
  // Off: the library checks at run time what JavaScript callers, payloads and stores hand it, whatever
  // the types promise ("every value from user code is checked before it is trusted"); this rule would
  // call each such check unnecessary.
  '@typescript-eslint/no-unnecessary-condition': 'off',
  // strictTypeChecked's options but for numbers, which read as they should in a message; objects,
  // unknowns, booleans and undefined are still refused. (Options replace, so all are spelled out.)
  '@typescript-eslint/restrict-template-expressions': [
    'error',
    { allowAny: false, allowBoolean: false, allowNever: false, allowNullish: false, allowNumber: true, allowRegExp: false },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      'schemas/',
      '**/*.d.ts',
      '.tmp/',
      'bench/.cache/',
      '__tests__/consumers/types/',
    ],
  },

  // Every file, JavaScript included (bench/, example-app/, the consumers and the soak script): the
  // recommended rules, which need no type information.
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['example-app/public/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },

  // TypeScript: typescript-eslint's strict type-checked rules, with types from the nearest tsconfig.json.
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['tsup.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: typeScriptRules,
  },

  // Tests: the same rules, less those that forbid what a test has to do.
  {
    files: ['__tests__/**/*.ts'],
    rules: {
      // Tests read JSON answers (supertest's `res.body`, JSON.parse), which are `any` by nature:
      // asserting on them is the test, and a wrong shape fails the assertion.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // User functions may throw or reject anything, a string or a number included: tests do so on purpose.
      '@typescript-eslint/only-throw-error': 'off',
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      // An async handler with no await stands for a user's async handler: the promise path is what is tested.
      '@typescript-eslint/require-await': 'off',
      // Failure messages interpolate whatever a test got back (undefined, a RegExp, an object), and test
      // doubles return their callee's void in arrow shorthand; promise aggregators take a store's
      // sync-or-async answers; a listener may be an async helper whose rejection fails the test anyway.
      '@typescript-eslint/restrict-template-expressions': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/await-thenable': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
      '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
      // Tests build broken payloads by deleting a field chosen at run time.
      '@typescript-eslint/no-dynamic-delete': 'off',
      // `results[0]!`: a test indexes data it made itself; were the assumption wrong, the test fails at
      // once, which is all a check would do.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Compile-only checks of user code written as the README writes it (`async (e) => console.log(…)`);
    // `void binding` marks a binding as read there.
    files: ['__tests__/types/**/*.ts'],
    rules: {
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-meaningless-void-operator': 'off',
    },
  },
);

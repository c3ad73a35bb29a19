// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'coverage/',
      'docs/',
      'dist/',
      'reports/',
      '.sessions/',
      'scripts/typedoc/mermaid-loader.js'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    // a disable comment for a rule that no longer fires, or does not exist, is an error too
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: {
      parserOptions: {
        // this file is outside tsconfig.json's program; it is checked with TypeScript's defaults
        projectService: { allowDefaultProject: ['eslint.config.js'] },
        tsconfigRootDir: import.meta.dirname
      }
    },
    rules: {
      // a parameter named _x is kept for its position: Express tells an error handler by its four
      // parameters, and a callback's later parameters need the earlier ones
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
    }
  },
  {
    // The five files that mirror express-session keep two of its idioms, which the chapters
    // explain: `const self = this` for a callback that needs the store, and
    // `callback && defer(callback)` for an optional callback. Both rules stay on, told to
    // accept exactly these forms.
    files: ['src/index.ts', 'src/session/*.ts'],
    rules: {
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self'] }],
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true }]
    }
  }
)

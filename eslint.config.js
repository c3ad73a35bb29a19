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
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
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

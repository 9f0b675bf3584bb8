import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'max-params': ['error', 4],
    },
  },
  {
    // Admin routes and services never reach into the request path.
    files: ['src/admin/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/proxy/**'] }],
    },
  },
  {
    // Authentication is framework-free: the server adapts it, the proxy and admin use it.
    files: ['src/auth/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['**/proxy/**', '**/admin/**', '**/server/**', 'fastify'] },
      ],
    },
  },
  {
    // Providers are framework-free adapters: they never reach into the server, the proxy or admin.
    files: ['src/providers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['**/proxy/**', '**/admin/**', '**/server/**', 'fastify'] },
      ],
    },
  },
);

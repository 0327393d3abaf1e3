import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist', 'node_modules'] },
  {
    files: ['**/*.{ts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 2022, globals: globals.browser },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Calls to the server go through the typed client, which returns the generated types.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/api/client', './client'],
              importNames: ['getJson', 'getText', 'send'],
              message: 'Call the server through api/endpoints.ts, which returns the generated types (types.gen.ts).',
            },
          ],
        },
      ],
    },
  },
  { files: ['src/api/endpoints.ts', 'src/api/client.test.ts'], rules: { 'no-restricted-imports': 'off' } },
);

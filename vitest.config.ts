import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 has no `exports` map: Node loads its CommonJS build for
    // Apollo, graphql-ws and graphql-tools, while Vite would hand our own
    // files the `.mjs` build, and graphql-js refuses schemas and types from
    // "another module or realm". One build for everyone, as in production.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});

import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 ships an ESM and a CommonJS build. Node loads the CommonJS one for every package;
    // Vite would give our own source files the ESM one, and a schema built by Pothos could then not
    // be printed or executed by our imports ("Cannot use GraphQLScalarType from another module").
    alias: [{ find: /^graphql$/, replacement: createRequire(import.meta.url).resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // PGlite instances are large; two workers match this machine's two cores.
    maxWorkers: 2,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // packing, one npm install and the smoke runs: minutes, not seconds
    hookTimeout: 300_000,
    testTimeout: 180_000,
    pool: 'forks',
  },
});

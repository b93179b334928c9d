import { defineConfig } from 'vitest/config';

// chDB allows one engine per process and per data directory, so every test file runs in
// its own forked process; integration tests start real servers, hence the long timeouts.
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Every test has a deadline; black-box tests start real daemons and ptys.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Black-box suites each start their own daemons; two workers keep a 2-core CI machine busy without thrashing.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default'],
  },
});

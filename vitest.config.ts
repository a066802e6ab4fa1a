import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // 2-core machines: keep workers bounded so network tests are not starved. The live fuzzer
    // tests (test/fuzz/live.test.ts) time a spawned peer's answers, so `npm test` runs them in a
    // second pass on their own rather than against the rest of the suite.
    maxWorkers: 2,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: integration tests spawn training processes and tmux servers.
    maxWorkers: 2,
    reporters: ['default'],
    // The real python3 first on PATH (not a shim); stops the test Slurm cluster at the end, when this run started it.
    globalSetup: ['test/global-setup-python.ts', 'test/slurm/global-setup.ts'],
  },
});

import type { Command } from 'commander';

export function register(program: Command): void {
  void program; // 'report' lands in a later commit.
}

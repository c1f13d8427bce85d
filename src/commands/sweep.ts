import type { Command } from 'commander';

export function register(program: Command): void {
  void program; // 'sweep' lands in a later commit.
}

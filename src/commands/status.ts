import type { Command } from 'commander';

export function register(program: Command): void {
  void program; // 'status' lands in a later commit.
}

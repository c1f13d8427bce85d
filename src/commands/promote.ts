import type { Command } from 'commander';

export function register(program: Command): void {
  void program; // 'promote' lands in a later commit.
}

import { UsageError } from '../errors.js';
import type { Config } from './config-schema.js';

/** TIME_BUDGET in the environment overrides the budget (karpathy's train.py ignores it: its budget is a constant in prepare.py). */
export function applyEnv(cfg: Config, env: NodeJS.ProcessEnv = process.env): Config {
  const tb = env.TIME_BUDGET;
  if (tb !== undefined && tb !== '') {
    const n = Number(tb);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`TIME_BUDGET must be a positive number of seconds, not "${tb}".`);
    cfg.budget_seconds = n;
  }
  return cfg;
}

// The one event stream of a supervised session: the driver's (the agent's side) and the policy's (turns, restarts,
// stops). The terminal lines, the log and the state file are all derived from it (journal.ts).
import type { FailureKind } from '../agents/failure.js';
import type { SupervisorPhase } from './state.js';

export type LoopEvent =
  | { type: 'launched'; at: number; pane: string; pid: number | null; restart: boolean }
  | { type: 'phase'; at: number; phase: SupervisorPhase }
  | { type: 'dialog'; at: number; state: string; keys: string[] }
  | { type: 'ready'; at: number }
  | { type: 'typed'; at: number; task: string | null }
  | { type: 'submitted'; at: number; task: string | null; by: 'hook' | 'screen'; retried: boolean }
  | { type: 'turn-end'; at: number; by: 'hook' | 'screen'; hookTime: number | null }
  | {
      type: 'iteration';
      at: number;
      n: number;
      runs: number;
      task: string | null;
      by: string;
      best: { metric: string; value: number | null; commit: string } | null;
    }
  | {
      type: 'turn-failed';
      at: number;
      kind: FailureKind;
      cause: string;
      detail: string;
      action: 'stop' | 'wait' | 'restart';
      waitMs: number;
      /** For a wait: until when, and whether it is a usage limit's reset. */
      untilMs?: number;
      usageLimit?: boolean;
      /** The task whose turn failed: it goes back to the front of the plan. */
      task: string | null;
    }
  | { type: 'agent-back'; at: number; from: number; cause: string }
  | { type: 'restart'; at: number; reason: string }
  | { type: 'warn'; at: number; msg: string; data?: object }
  | { type: 'stopped'; at: number; reason: string; error?: string; failed?: boolean };

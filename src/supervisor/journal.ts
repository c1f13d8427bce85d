// The session's journal: each event of the one stream updates the state file (what `status` and `kill` read), the
// log (ar.log) and the terminal lines, so no step is written three times by hand.
import { fmtValue } from '../format.js';
import { fmtClock, fmtWait } from './retry.js';
import type { LoopEvent } from './events.js';
import { writeSupervisorState, type SupervisorState } from './state.js';

export interface LogLike {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const quietLog: LogLike = { info() {}, warn() {}, error() {} };

export class Journal {
  constructor(
    readonly st: SupervisorState,
    private readonly sinks: { log: LogLike; out?: (line: string) => void; onEvent?: (e: LoopEvent) => void },
  ) {}

  private set(extra: Partial<SupervisorState>): void {
    const changed = Object.entries(extra).some(([k, v]) => (this.st as unknown as Record<string, unknown>)[k] !== v || Array.isArray(v));
    Object.assign(this.st, extra);
    if (changed) writeSupervisorState(this.st);
  }

  /** Write the state as it is (the start of a run). */
  flush(): void {
    writeSupervisorState(this.st);
  }

  record(e: LoopEvent): void {
    const { log, out } = this.sinks;
    switch (e.type) {
      case 'launched':
        this.set({ state: e.restart ? 'restarting' : 'starting', agentPane: e.pane, agentPid: e.pid });
        log.info({ pane: e.pane, pid: e.pid, restart: e.restart }, 'agent started');
        break;
      case 'phase':
        this.set({ state: e.phase, ...(this.st.waitUntil ? { waitUntil: null, waitReason: null } : {}) });
        break;
      case 'dialog':
        this.set({ state: 'dialog' });
        log.info({ dialog: e.state, key: e.keys[0] }, 'dialog key');
        break;
      case 'ready':
        this.set({ state: 'ready' });
        break;
      case 'submitted':
        this.set({ state: 'busy', currentTask: e.task ?? 'continue the loop', ...(e.task ? { doneTasks: [...this.st.doneTasks, e.task] } : {}) });
        break;
      case 'iteration': {
        this.set({ state: 'ready', iterations: e.n });
        log.info({ iteration: e.n, task: e.task, endedBy: e.by, runs: e.runs, best: e.best ? { commit: e.best.commit, value: e.best.value } : null }, 'turn done');
        const best = e.best ? `${e.best.metric} ${fmtValue(e.best.value)} (${e.best.commit.slice(0, 7)})` : 'none yet';
        out?.(`Turn ${e.n} done: ${e.runs} runs, best ${best}.`);
        break;
      }
      case 'turn-failed': {
        // Not a turn: its task goes back to the front of the plan.
        const done = [...this.st.doneTasks];
        const i = e.task ? done.lastIndexOf(e.task) : -1;
        if (i >= 0) done.splice(i, 1);
        this.set({ currentTask: null, doneTasks: done });
        log.warn({ kind: e.kind, cause: e.cause, detail: e.detail, action: e.action, waitMs: e.waitMs }, 'turn failed');
        if (e.action === 'stop') out?.(`Turn failed: ${e.cause}; stopping.`);
        else if (e.action === 'restart') out?.(`Turn failed: ${e.cause}; starting the agent afresh.`);
        else {
          out?.(e.usageLimit ? `Turn failed: ${e.cause}; waiting until ${fmtClock(e.untilMs!, e.at)}.` : `Turn failed: ${e.cause}; retrying in ${fmtWait(e.waitMs)}.`);
          this.set({ state: 'waiting', waitUntil: new Date(e.untilMs!).toISOString(), waitReason: e.cause });
        }
        break;
      }
      case 'agent-back':
        log.info({ from: new Date(e.from).toISOString(), cause: e.cause }, 'the agent works again');
        out?.(`The agent works again after ${fmtWait(e.at - e.from)} (${e.cause}).`);
        break;
      case 'restart':
        this.set({ restarts: this.st.restarts + 1 });
        log.warn({ reason: e.reason, restarts: this.st.restarts }, 'restarting the agent');
        out?.(`Restarting the agent: ${e.reason}.`);
        break;
      case 'warn':
        log.warn(e.data ?? {}, e.msg);
        break;
      case 'stopped':
        this.set({
          state: e.failed ? 'failed' : 'stopped',
          stopReason: e.reason,
          agentPane: null,
          agentPid: null,
          currentTask: null,
          endedAt: new Date(e.at).toISOString(),
          ...(e.error !== undefined ? { error: e.error } : {}),
        });
        log.info({ reason: e.reason, iterations: this.st.iterations, restarts: this.st.restarts, error: e.failed ? e.error : undefined }, 'supervisor stopped');
        break;
      default:
        break;
    }
    try {
      this.sinks.onEvent?.(e);
    } catch {
      // an observer's fault is not ours
    }
  }
}

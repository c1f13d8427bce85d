// What to do after a failed turn, whatever the agent: stop (permanent), wait for a reset time (usage limit),
// back off exponentially with jitter (transient), or start the agent afresh (context). Pure; the loop acts.
import type { TurnFailure } from '../agents/failure.js';

export interface RetrySettings {
  /** First back-off after a transient failure. */
  initialMs: number;
  /** The back-off doubles up to this. */
  maxMs: number;
  /** Transient failures for longer than this end the session as failed. */
  limitMs: number;
}

export type RetryDecision =
  | { action: 'stop'; reason: string }
  | { action: 'wait'; untilMs: number; why: string; usageLimit: boolean }
  | { action: 'restart'; reason: string };

/** A stretch of time the agent could not work, and why. */
export interface UnavailablePeriod {
  from: number;
  to: number | null;
  cause: string;
}

/** A wait usage limits are given past their reset time (clocks differ by a little). */
export const RESET_MARGIN_MS = 5_000;

/** "45 s", "2 min", "1 h 30 min". */
export function fmtWait(ms: number): string {
  const s = ms > 0 ? Math.max(1, Math.round(ms / 1000)) : 0;
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 90) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** "05:00" in local time (the date too when it is not today). */
export function fmtClock(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return new Date(now).toDateString() === d.toDateString() ? hm : `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${hm}`;
}

export class RetryPolicy {
  private streak = 0;
  private period: UnavailablePeriod | null = null;
  private causes: string[] = [];

  constructor(
    private readonly s: RetrySettings,
    private readonly random: () => number = Math.random,
  ) {}

  /** The stretch of unavailability under way, if any. */
  get open(): Readonly<UnavailablePeriod> | null {
    return this.period;
  }

  private begin(f: TurnFailure, now: number): void {
    if (!this.period) {
      this.period = { from: now, to: null, cause: f.cause };
      this.causes = [f.cause];
    } else if (!this.causes.includes(f.cause)) {
      this.causes.push(f.cause);
      this.period.cause = this.causes.join(', ');
    }
  }

  /** The back-off before try n (0-based): initial x 2^n, capped, times a jitter of 0.8 to 1.2 (capped again). */
  backoff(n: number): number {
    const base = Math.min(this.s.maxMs, this.s.initialMs * 2 ** Math.min(n, 40));
    return Math.round(Math.min(this.s.maxMs, base * (0.8 + 0.4 * this.random())));
  }

  onFailure(f: TurnFailure, now: number): RetryDecision {
    if (f.kind === 'permanent') {
      this.begin(f, now);
      return { action: 'stop', reason: f.sentence ?? `the agent cannot work: ${f.detail}` };
    }
    if (f.kind === 'context') {
      this.streak = 0;
      return { action: 'restart', reason: `the agent's context is full (${f.detail})` };
    }
    this.begin(f, now);
    // A reset time already past that still fails is backed off like any transient failure.
    if (f.kind === 'usage-limit' && f.resetAt !== undefined && f.resetAt > now) {
      return { action: 'wait', untilMs: f.resetAt + RESET_MARGIN_MS, why: f.cause, usageLimit: true };
    }
    const since = this.period!.from;
    const left = since + this.s.limitMs - now;
    if (left <= 0) {
      return {
        action: 'stop',
        reason: `the agent could not work for ${fmtWait(now - since)} (${this.period!.cause}); last error: ${f.detail}`,
      };
    }
    const wait = Math.min(this.backoff(this.streak++), left);
    return { action: 'wait', untilMs: now + wait, why: f.cause, usageLimit: false };
  }

  /** A turn went through: the stretch of unavailability (if any) is over; returns it, closed. */
  onSuccess(now: number): UnavailablePeriod | null {
    this.streak = 0;
    return this.close(now);
  }

  /** End the stretch under way (the session ends): returns it, closed. */
  close(now: number): UnavailablePeriod | null {
    const p = this.period;
    this.period = null;
    this.causes = [];
    if (!p) return null;
    return { ...p, to: now };
  }
}

// Where a run that has started is, and since when, in the words `queue`, `status` and the dashboard share:
// `running slot 0` (local), `pending job 812 (Resources)` (in the scheduler's queue), `running job 812 on a07`.
import type { JobWhere } from '../config/state-files.js';

export interface Where {
  state: 'running' | 'pending';
  place: string;
  /** ISO time its clock counts from: the start, or once a job runs, the end of its time queued. */
  since: string | undefined;
}

/** `local` names a local run's place (its slot), as a job's id names a scheduler's. */
export function whereStarted(job: JobWhere | undefined, started: string | undefined, local: string): Where {
  if (!job || job.engine === 'local') return { state: 'running', place: local, since: started }; // a process group on its slot
  if (!job.id) return { state: 'pending', place: 'job (submitting)', since: started };
  const place = job.place;
  if (place?.state !== 'running') return { state: 'pending', place: `job ${job.id}${place?.reason ? ` (${place.reason})` : ''}`, since: started };
  const since = started ? new Date(Date.parse(started) + place.queuedMs).toISOString() : undefined;
  return { state: 'running', place: `job ${job.id}${place.node ? ` on ${place.node}` : ''}`, since };
}

/** A local run's place in `status`: `pid 4312`, and its GPU when its slot has one (`pid 4312 on gpu 4`); `starting` before its process has a pid. */
export const localPlace = (pid: number | null, slot: string | undefined) => (pid ? `pid ${pid}` : 'starting') + (slot?.startsWith('gpu ') ? ` on ${slot}` : '');

/** Seconds since an ISO time, never negative: `12 s`, or '' when there is none or it does not parse. */
export const ago = (iso: string | undefined, now: number) => {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? `${Math.max(0, Math.round((now - t) / 1000))} s` : '';
};

/** State, place and time in fixed columns (the queue's rows, status's runs in flight). */
export const whereRow = (state: string, place: string, since: string | undefined, now: number) => `${state.padEnd(8)} ${place.padEnd(22)} ${ago(since, now).padStart(6)}`;

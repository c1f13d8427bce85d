import { fmtValue as fmt } from '../format.js';
import type { StepResult } from './step.js';

/** The short, stable answer the agent reads after each run (one `key: value` per line). */
export function formatResult(r: StepResult): string {
  const rec = r.record;
  const lines: string[] = [];
  const status = rec.violation ? `${rec.status} (violation: ${rec.violation})` : rec.status;
  lines.push(`status:      ${status}${rec.crashReason ? ` (${rec.crashReason})` : ''}`);
  let delta = '';
  if (rec.value !== null && r.bestBefore !== null) {
    const d = rec.value - r.bestBefore;
    delta = ` (${d >= 0 ? '+' : ''}${fmt(d)} vs best ${fmt(r.bestBefore)})`;
  }
  lines.push(`${(rec.metric + ':').padEnd(12)} ${fmt(rec.value)}${delta}`);
  lines.push(`best:        ${fmt(r.best.value)} at ${r.best.commit.slice(0, 7)}`);
  lines.push(`commit:      ${rec.commit.slice(0, 7)} ${rec.description}`);
  lines.push(`memory_gb:   ${rec.memoryGb.toFixed(1)}`);
  lines.push(`duration:    ${(rec.durationMs / 1000).toFixed(1)} s`);
  lines.push(`run:         #${rec.id}  log: ${rec.log || '(not trained)'}`);
  if (rec.experiment !== undefined) lines.push(`experiment:  #${rec.experiment}${rec.remeasured ? ' (re-measured on the new best)' : ''}`);
  if (rec.job) lines.push(`job:         ${rec.job.engine} ${rec.job.id}${rec.job.node ? ` on ${rec.job.node}` : ''}, queued ${rec.job.queuedSeconds.toFixed(1)} s, ${rec.job.state}${rec.job.retries ? `, after ${rec.job.retries} resubmission(s)` : ''}`);
  if (rec.status === 'keep') lines.push('branch:      advanced to this commit');
  else if (rec.experiment !== undefined) lines.push(`branch:      stays at ${r.best.commit.slice(0, 7)}`);
  else if (rec.commit !== rec.parent) lines.push(`branch:      reverted to ${rec.parent.slice(0, 7)}`);
  if (rec.tail) {
    lines.push('log tail:');
    for (const l of rec.tail.split('\n')) lines.push('  ' + l);
  }
  return lines.join('\n') + '\n';
}

/** One line per finished experiment, for the agent's next prompt: `#17 finished: discard 0.9512 (+0.0012 vs best)`. */
export function resultLine(rec: StepResult['record']): string {
  const n = rec.experiment ?? rec.id;
  const status = rec.crashReason ? `crash (${rec.crashReason})` : rec.status;
  const value = rec.value === null ? '' : ` ${rec.value.toFixed(4)}`;
  const d = rec.value !== null && rec.bestBefore !== null ? rec.value - rec.bestBefore : null;
  const delta = d === null ? '' : ` (${d >= 0 ? '+' : ''}${d.toFixed(4)} vs best)`;
  return `#${n} finished: ${status}${value}${delta} ${rec.description}`;
}

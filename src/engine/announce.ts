import type { Config } from '../config.js';
import type { StepResult } from './step.js';
import { fmtValue } from '../format.js';

/** A kept run that beats an earlier best is news: bell, desktop, webhook (best effort, never fatal). */
export async function announceNewBest(r: StepResult, config: Config, log?: { warn: (o: object, msg?: string) => void }): Promise<boolean> {
  const rec = r.record;
  if (rec.status !== 'keep' || r.bestBefore === null || rec.value === null) return false;
  const { notify } = await import('../notify.js'); // loaded only for news: it pulls in execa
  await notify(
    {
      kind: 'new-best',
      title: `autoresearch ${rec.tag}: new best ${rec.metric} ${fmtValue(rec.value)}`,
      summary: {
        tag: rec.tag,
        ...(rec.lane ? { lane: rec.lane } : {}),
        run: rec.id,
        metric: rec.metric,
        value: rec.value,
        previous: r.bestBefore,
        delta: rec.value - r.bestBefore,
        commit: rec.commit.slice(0, 7),
        description: rec.description,
      },
    },
    config.notify,
    (msg) => log?.warn({ notify: msg }, 'notification failed'),
  );
  return true;
}

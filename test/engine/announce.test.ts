import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jobRepo, cli, cleanupRepos } from '../helpers/repo.js';
import { captureWebhook } from '../helpers/webhook.js';

afterAll(cleanupRepos);

describe('a new best is announced', () => {
  it('run POSTs the summary to the webhook on a new best only, and a dead webhook is not fatal', async () => {
    const hook = await captureWebhook();
    const { bodies, url } = hook;
    try {
      const repo = jobRepo('summary.py', { budget_seconds: 2, notify: { webhook: url, bell: false, desktop: false } });
      expect((await cli(['init', '--tag', 't'], { cwd: repo })).exitCode).toBe(0);
      expect(bodies).toHaveLength(0); // the baseline is not news
      const set = (x: string) => writeFileSync(path.join(repo, 'train.py'), readFileSync(path.join(repo, 'train.py'), 'utf8').replace(/^X = .*$/m, `X = ${x}`));
      set('2.0');
      expect((await cli(['run', '-m', 'X=2'], { cwd: repo, env: { ANTHROPIC_API_KEY: 'sk-ant-PLANTED-secret' } })).exitCode).toBe(0);
      set('1.5');
      expect((await cli(['run', '-m', 'X=1.5'], { cwd: repo })).exitCode).toBe(0);
      expect(bodies).toHaveLength(1);
      expect(bodies[0]).toMatchObject({
        kind: 'new-best',
        summary: { tag: 't', run: 2, metric: 'val_bpb', value: 1.1, previous: 1.4, description: 'X=2' },
      });
      expect(JSON.stringify(bodies[0])).not.toContain('PLANTED');
    } finally {
      hook.close();
    }
    // Nobody listening: the run is still recorded, exit 0.
    const repo2 = jobRepo('summary.py', { budget_seconds: 2, notify: { webhook: 'http://127.0.0.1:9/none', bell: false, desktop: false } });
    expect((await cli(['init', '--tag', 't'], { cwd: repo2 })).exitCode).toBe(0);
    writeFileSync(path.join(repo2, 'train.py'), readFileSync(path.join(repo2, 'train.py'), 'utf8').replace(/^X = .*$/m, 'X = 2.0'));
    const r = await cli(['run', '-m', 'X=2'], { cwd: repo2 });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/status: +keep/);
  });
});

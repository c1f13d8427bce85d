// The test run that starts the one-node Slurm cluster (test/slurm/cluster.sh, on first use) stops it at the end;
// a cluster that was already up (started by hand, or by another run) is left as it was.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function setup(): () => void {
  const token = `vitest-${process.pid}-${Date.now()}`;
  process.env.AR_SLURM_OWNER = token;
  return () => {
    const dir = process.env.AR_SLURM_DIR ?? '/tmp/ar-slurm-cluster';
    let owner = '';
    try {
      owner = readFileSync(path.join(dir, 'owner'), 'utf8').trim();
    } catch {
      return; // never started, or not by us
    }
    if (owner === token) execFileSync('bash', [path.join(path.dirname(fileURLToPath(import.meta.url)), 'cluster.sh'), 'stop'], { stdio: 'ignore', timeout: 60_000 });
  };
}

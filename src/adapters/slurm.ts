import { execFile } from 'node:child_process';

// Thin adapter over Slurm's client commands: one command per function, argv arrays, explicit cwd.
// Results are data; the executor above decides what they mean. Never a shell.

export interface CmdResult {
  ok: boolean;
  /** The program is not on PATH. */
  missing: boolean;
  stdout: string;
  stderr: string;
}

const CALL_TIMEOUT_MS = 60_000;

function call(cmd: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): Promise<CmdResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, env: env ?? process.env, encoding: 'utf8', timeout: CALL_TIMEOUT_MS, maxBuffer: 16 << 20, windowsHide: true }, (err, stdout, stderr) => {
      if (!err) return resolve({ ok: true, missing: false, stdout, stderr });
      const code = (err as NodeJS.ErrnoException).code;
      resolve({ ok: false, missing: code === 'ENOENT' && !stderr, stdout: stdout ?? '', stderr: (stderr || err.message).trim() });
    });
  });
}

/** `sbatch --parsable ARGS`: the job id (it may print `id;cluster`), or why Slurm refused. */
export async function sbatch(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ id: string } | { error: string; missing: boolean }> {
  const r = await call('sbatch', ['--parsable', ...args], cwd, env);
  const id = r.stdout.trim().split('\n').pop()?.split(';')[0]?.trim() ?? '';
  if (r.ok && /^\d+(_\d+)?$/.test(id)) return { id };
  return { error: r.stderr || r.stdout.trim() || 'sbatch printed no job id', missing: r.missing };
}

export interface QueueEntry {
  state: string;
  node: string;
  reason: string;
}

/** The jobs as one `squeue` sees them; a job that has left the queue (or was never there) is not in the map. */
export async function squeueJobs(ids: string[], cwd: string): Promise<Map<string, QueueEntry> | { error: string }> {
  const r = await call('squeue', ['-h', '-j', ids.join(','), '-o', '%i|%T|%N|%r'], cwd);
  // with one id that left the queue squeue fails; with several it leaves such ids out
  if (!r.ok) return /invalid job id/i.test(r.stderr) ? new Map() : { error: r.stderr };
  const out = new Map<string, QueueEntry>();
  for (const line of r.stdout.split('\n')) {
    const [id = '', state = '', node = '', reason = ''] = line.trim().split('|');
    if (id && state) out.set(id, { state, node, reason });
  }
  return out;
}

/** `scontrol show job -o ID` as key=value pairs; null when the controller no longer knows the job. */
export async function scontrolJob(id: string, cwd: string): Promise<Record<string, string> | null> {
  const r = await call('scontrol', ['show', 'job', '-o', id], cwd);
  if (!r.ok) return null;
  const out: Record<string, string> = {};
  for (const m of r.stdout.matchAll(/(?:^|\s)([A-Za-z][A-Za-z0-9_:/]*)=(\S*)/g)) if (!(m[1]! in out)) out[m[1]!] = m[2]!;
  return out.JobState ? out : null;
}

/** State, exit code and node from accounting, where accounting answers (it is off on many clusters). */
export async function sacctJob(id: string, cwd: string): Promise<{ state: string; exitCode: string; node: string } | null> {
  const r = await call('sacct', ['-n', '-P', '-X', '-j', id, '-o', 'State,ExitCode,NodeList'], cwd);
  if (!r.ok) return null;
  const line = r.stdout.split('\n').find((l) => l.includes('|'));
  if (!line) return null;
  const [state = '', exitCode = '', node = ''] = line.trim().split('|');
  return { state, exitCode, node };
}

/** `scancel`: a job by id, only if it still has our name (ids are reused), or every job of ours with that name. */
export async function scancel(target: { id: string | null; name?: string }, cwd: string): Promise<CmdResult> {
  const args = [...(target.name ? [`--name=${target.name}`] : []), ...(target.id ? [target.id] : [])];
  if (args.length === 0) return { ok: true, missing: false, stdout: '', stderr: '' };
  return call('scancel', args, cwd);
}

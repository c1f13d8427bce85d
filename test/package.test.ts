// The package as a user gets it: `npm pack` in a copy of this checkout (prepack builds it there), the tarball
// installed into a temporary prefix, and the INSTALLED ar-supervise run, with none of the clone's files.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { ROOT, git, makeRepo, cleanupRepos } from './helpers/repo.js';

const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string; files: string[]; dependencies: Record<string, string> };

let tmp: string;
let files: string[] = [];
let installed: string; // <prefix>/lib/node_modules/<name>
let bin: string; // <prefix>/bin/ar-supervise

// npm run test puts npm_* settings (npm_config_local_prefix: this clone) in the environment; the npm we start must
// not see them, except where the cache, the registry and the user's npmrc are.
const KEEP = /^npm_config_(cache|registry|userconfig)$/i;
const cleanEnv = (): Record<string, string> =>
  Object.fromEntries(Object.entries(process.env).filter(([k, v]) => v !== undefined && (KEEP.test(k) || !/^npm_/i.test(k)))) as Record<string, string>;

async function npm(args: string[], cwd: string) {
  const r = await execa('npm', args, { cwd, env: cleanEnv(), extendEnv: false, reject: false, all: true, timeout: 240_000 });
  if (r.exitCode !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.exitCode}):\n${r.all}`);
  return r.stdout;
}

// Like test/fixtures/jobs/summary.py, with a seed effect: paired differences with a spread, so compare's
// p-values need the t distribution (from @stdlib, a runtime dependency).
const TRAIN = `import os
X = 1.0
seed = int(os.environ.get("SEED", "0"))
print("---")
print(f"val_bpb:          {1 + (X - 3) ** 2 / 10 + seed * X / 100:.6f}")
print("peak_vram_mb:     2048.0")
`;

function installedCli(args: string[], cwd: string, env: Record<string, string> = {}) {
  return execa(bin, args, { cwd, env: { ...cleanEnv(), NO_COLOR: '1', ...env }, extendEnv: false, reject: false, all: true, timeout: 60_000 });
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'ar-package-'));
  // The working tree as git sees it (tracked and untracked-not-ignored files): no dist/, no node_modules/.
  const src = path.join(tmp, 'src');
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  for (const f of listed.split('\0').filter(Boolean)) {
    if (f === 'node_modules' || !existsSync(path.join(ROOT, f))) continue; // a linked node_modules; deleted, not yet committed
    mkdirSync(path.dirname(path.join(src, f)), { recursive: true });
    cpSync(path.join(ROOT, f), path.join(src, f));
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(src, 'node_modules')); // tsc and esbuild for prepack
  const packed = JSON.parse(await npm(['pack', '--pack-destination', tmp, '--json'], src)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = packed[0]!.files.map((f) => f.path);
  const prefix = path.join(tmp, 'prefix');
  await npm(['install', '-g', '--prefix', prefix, path.join(tmp, packed[0]!.filename), '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], tmp);
  installed = path.join(prefix, 'lib', 'node_modules', PKG.name);
  bin = path.join(prefix, 'bin', 'ar-supervise');
}, 420_000);

afterAll(() => {
  cleanupRepos();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 180_000);

describe('the packed and installed package', () => {
  it('ships the build, bin, prompts, template, example, the chart font, README and LICENSE, and no tests or sources', () => {
    for (const f of ['bin/ar-supervise.js', 'dist/bundle/cli.js', 'dist/bundle/hook.js', 'prompts/task.md', 'prompts/continue.md', 'CLAUDE.md.template', 'examples/tiny-lm/train.py', 'examples/tiny-lm/prepare.py', 'examples/tiny-lm/sweep.yaml', 'README.md', 'LICENSE', 'package.json', 'assets/fonts/Roboto-Regular.ttf', 'assets/fonts/OFL.txt']) {
      expect(files, f).toContain(f);
    }
    // Nothing outside the `files` list (a folder there ends in "/"); a runtime asset goes on that list.
    const listed = [...PKG.files, 'package.json'];
    expect(files.filter((f) => !listed.some((l) => (l.endsWith('/') ? f.startsWith(l) : f === l)))).toEqual([]);
    expect(files.filter((f) => /^(test|src|bench)\//.test(f) || f.endsWith('.ts') || f.endsWith('.map'))).toEqual([]);
  });

  it('is a copy, not a link to this clone, and its bundle needs nothing outside its dependencies', () => {
    expect(realpathSync(bin)).toBe(path.join(realpathSync(installed), 'bin', 'ar-supervise.js'));
    expect(realpathSync(installed).startsWith(realpathSync(tmp))).toBe(true);
    // Every module the bundle names is built into Node or a runtime dependency (no dev dependency, no node-pty).
    const builtin = new Set(builtinModules);
    const named = new Set<string>();
    for (const f of readdirSync(path.join(installed, 'dist', 'bundle'))) {
      const text = readFileSync(path.join(installed, 'dist', 'bundle', f), 'utf8');
      // Static imports, dynamic import(), require() and stats' lazy require ("lazy(id)").
      const forms = /(?:^|[;\n])\s*(?:import|export)\b[^;"'`]*?\bfrom\s*["']([^"']+)["']|(?<![\w.$])(?:import|require|__require|lazy)\s*\(\s*["']([^"']+)["']\s*\)/g;
      for (const m of text.matchAll(forms)) named.add((m[1] ?? m[2])!);
    }
    const outside = [...named].filter((n) => !n.startsWith('.') && !n.startsWith('node:') && !builtin.has(n) && !(n in PKG.dependencies));
    expect(outside).toEqual([]);
    expect([...named].some((n) => n.startsWith('@stdlib/'))).toBe(true); // the scan sees the lazily required ones too
  });

  it('answers --help and --version', async () => {
    const h = await installedCli(['--help'], tmp);
    expect(h.exitCode, h.all).toBe(0);
    expect(h.stdout).toMatch(/^Usage: ar-supervise/);
    const v = await installedCli(['--version'], tmp);
    expect(v.stdout.trim()).toBe(PKG.version);
  });

  it('checks the repo (doctor), inits a tag, runs one experiment, reports and compares in a fresh repo, and its hook script records an event', async () => {
    const repo = makeRepo({
      'train.py': TRAIN,
      'prepare.py': '# read-only data preparation\n',
      'autoresearch.yaml': 'command: python3 train.py\nbudget_seconds: 2\ntimeout_factor: 10\n',
    });
    const doc = await installedCli(['doctor', '--json'], repo, { HOME: tmp });
    expect([0, 1], doc.all).toContain(doc.exitCode); // 1 where no agent CLI is logged in: this machine's business
    const checks = (JSON.parse(doc.stdout) as { checks: Array<{ name: string; mark: string }> }).checks;
    expect(checks.filter((c) => ['git', 'tmux', 'repo', 'config', 'training', 'script', 'files'].includes(c.name)).map((c) => `${c.name} ${c.mark}`)).toEqual(
      ['git pass', 'tmux pass', 'repo pass', 'config pass', 'training pass', 'script pass', 'files pass'],
    );

    const init = await installedCli(['init', '--tag', 'pkg'], repo);
    expect(init.exitCode, init.all).toBe(0);
    writeFileSync(path.join(repo, 'train.py'), readFileSync(path.join(repo, 'train.py'), 'utf8').replace(/^X = .*$/m, 'X = 3.0'));
    const run = await installedCli(['run', '-m', 'X to the optimum'], repo);
    expect(run.exitCode, run.all).toBe(0);
    const rows = readFileSync(path.join(repo, 'results.tsv'), 'utf8').trim().split('\n');
    expect(rows.slice(1).map((r) => r.split('\t').slice(1).join(' '))).toEqual(['1.400000 2.0 keep baseline', '1.000000 2.0 keep X to the optimum']);

    const report = await installedCli(['report'], repo);
    expect(report.exitCode, report.all).toBe(0);
    expect(existsSync(path.join(repo, '.autoresearch', 'pkg', 'report', 'report.md'))).toBe(true);
    expect(readFileSync(path.join(repo, '.autoresearch', 'pkg', 'report', 'progress.png')).subarray(1, 4).toString()).toBe('PNG'); // resvg and the font, as installed

    // compare needs its statistics from the installed dependencies (@stdlib), not from this clone.
    const [a, b] = [git(repo, ['rev-parse', 'HEAD~1']), git(repo, ['rev-parse', 'HEAD'])];
    const cmp = await installedCli(['compare', a, b, '--seeds', '2'], repo);
    expect(cmp.exitCode, cmp.all).toBe(0);
    expect(cmp.stdout).toMatch(/^paired t-test +p = 0\.\d+/m);

    const events = path.join(tmp, 'events.jsonl');
    execFileSync(process.execPath, [path.join(installed, 'dist', 'bundle', 'hook.js'), events, 'Stop'], { input: '{"hook_event_name":"Stop"}' });
    expect(JSON.parse(readFileSync(events, 'utf8'))).toMatchObject({ event: 'Stop' });
  }, 300_000);
});

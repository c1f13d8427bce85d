import path from 'node:path';
import type { Command } from 'commander';

interface ReportFlags {
  tag?: string;
  session?: string;
  out?: string;
  json?: boolean;
  export?: boolean;
}

/** The repo root when inside a git work tree (so `report` works from a subfolder), else cwd. */
async function repoRoot(cwd: string): Promise<string> {
  try {
    const { Git } = await import('../adapters/git.js');
    return (await new Git(cwd).topLevel()) ?? cwd;
  } catch {
    return cwd;
  }
}

export function register(program: Command): void {
  program
    .command('report')
    .description('Write the morning report (Markdown, progress chart, JSON; CSV/TSV with --export) and print a summary.')
    .option('--tag <tag>', 'run tag (default: from the autoresearch/<tag> branch, else the latest)')
    .option('--session <name>', 'a lane set (started with --gpus or --lanes): one merged report over its lanes')
    .option('--out <dir>', 'where to write the files (default: .autoresearch/<tag>/report/)')
    .option('--json', 'print the report model as JSON only')
    .option('--export', 'also write runs.csv and runs.tsv: every run, every parsed metric')
    .action(async (flags: ReportFlags) => {
      const cwd = process.cwd();
      const outDir = flags.out === undefined ? undefined : path.resolve(cwd, flags.out);
      const { isLaneSet } = await import('../lanes/which.js');
      const set = flags.session ?? (flags.tag && isLaneSet(cwd, flags.tag) ? flags.tag : undefined);
      if (set) {
        const lanes = await import('../lanes/report.js');
        process.exitCode = await lanes.lanesReportCommand({ cwd, session: set, outDir, json: flags.json });
        return;
      }
      const repo = await repoRoot(cwd);
      // Loaded on use: every command pays the start-up of what cli.ts imports.
      const { buildReport, renderMarkdown, renderTerminalChart } = await import('../report/index.js');
      const res = await buildReport({ repo, tag: flags.tag, outDir, export: flags.export === true });
      for (const w of res.warnings) process.stderr.write(`ar-supervise: warning: ${w.replace(/\s+/g, ' ')}\n`);
      if (flags.json) {
        process.stdout.write(JSON.stringify(res.model, null, 2) + '\n');
        return;
      }
      const out = process.stdout;
      out.write(renderMarkdown(res.model, { short: true }));
      if (out.isTTY) out.write('\n' + renderTerminalChart(res.chart, { width: Math.min(70, (out.columns || 80) - 2), color: !process.env.NO_COLOR }));
      const rel = path.relative(cwd, res.paths.dir) || '.';
      const p = res.paths;
      const names = [p.markdown, p.html, p.png, p.svg, p.csv, p.tsv, p.json].filter((f): f is string => f !== undefined).map((f) => path.basename(f));
      out.write(`\nWrote ${names.join(', ')} to ${rel}${path.sep}\n`);
    });
}

// The terminal rendering of a comparison: a per-seed table, the summary lines and the verdict.
import { fmtNumber, MISSING } from '../format.js';
import type { CompareResult, CompareRun } from './summary.js';


/** A signed difference (always with its sign). */
export function fmtDiff(x: number): string {
  const s = fmtNumber(x);
  return x > 0 && Number.isFinite(x) ? '+' + s : s;
}

export function fmtP(p: number): string {
  if (Number.isNaN(p)) return '= n/a';
  if (p < 1e-4) return '< 0.0001';
  return '= ' + (p >= 0.01 ? p.toFixed(3) : p.toPrecision(2));
}

function fmtStat(x: number): string {
  if (Number.isNaN(x)) return 'n/a';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  return x.toFixed(3);
}

function cell(r: CompareRun | undefined): string {
  if (!r) return 'not run';
  if (r.value === null) return `crash (${r.crashReason ?? 'error'})`;
  return fmtNumber(r.value);
}

function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}

function table(rows: string[][], rightAlign: boolean[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((c, i) => (rightAlign[i] ? c.padStart(widths[i]!) : i === r.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** The whole answer of `compare`, ending with the verdict line and the results file. */
export function formatComparison(r: CompareResult): string {
  const s = r.summary;
  const out: string[] = [];
  const dir = r.goal === 'min' ? 'lower is better' : 'higher is better';
  out.push(`A  ${r.a.short}  ${r.a.rev}`);
  out.push(`B  ${r.b.short}  ${r.b.rev}`);
  out.push(`${r.metric} (${dir}), ${plural(r.seeds, 'seed')} each, budget ${r.budgetSeconds} s, run ${r.order}`);
  out.push('');

  const rows: string[][] = [['seed', 'A', 'B', 'B-A']];
  for (let seed = 0; seed < r.seeds; seed++) {
    const ra = r.runs.find((x) => x.arm === 'A' && x.seed === seed);
    const rb = r.runs.find((x) => x.arm === 'B' && x.seed === seed);
    const d = ra?.value != null && rb?.value != null ? fmtDiff(rb.value - ra.value) : MISSING;
    rows.push([String(seed), cell(ra), cell(rb), d]);
  }
  out.push(...table(rows, [true, false, false, false]));
  out.push('');

  const armLine = (name: string, a: { n: number; mean: number; std: number; crashes: number }) => {
    const extra = a.crashes ? `, ${plural(a.crashes, 'crash', 'crashes')}` : '';
    return [name, `${fmtNumber(a.mean)} ± ${fmtNumber(a.std)}`, `(${plural(a.n, 'run')}${extra})`];
  };
  const excl = s.excludedSeeds.length ? `; seed${s.excludedSeeds.length === 1 ? '' : 's'} ${s.excludedSeeds.join(', ')} left out` : '';
  const sums = [
    armLine('A', s.a),
    armLine('B', s.b),
    ['B-A', `${fmtDiff(s.diff.mean)} ± ${fmtNumber(s.diff.std)}`, `(${plural(s.pairs, 'pair')}${excl})`],
  ];
  out.push(...table(sums, [false, false, false]));
  out.push(`paired t-test         p ${fmtP(s.tTest.p)}  (t = ${fmtStat(s.tTest.t)}, df = ${s.tTest.df < 0 ? 0 : s.tTest.df})`);
  out.push(`Wilcoxon signed-rank  p ${fmtP(s.wilcoxon.p)}  (${s.wilcoxon.method}, W+ = ${s.wilcoxon.wPlus})`);
  if (r.interrupted) out.push('interrupted: the comparison was cut short; the table holds the runs that finished.');
  out.push(`verdict: ${s.verdict}${s.reason ? ` (${s.reason.replace(/ \((.*)\)$/, ', $1')})` : ''}`);
  out.push(`results: ${r.file}`);
  return out.join('\n') + '\n';
}

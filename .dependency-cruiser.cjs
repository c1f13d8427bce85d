// `npm run lint:deps` (part of `npm test`): imports go one way, and never in a circle.
// Layers, lowest first:
//   base (src/*.ts leaf modules, config/, fs/) -> adapters -> executors -> engine -> agents -> doctor -> supervisor -> lanes
//   -> dashboard -> commands (cli.ts)
// report, sweep and compare sit beside the engine: they may use the engine and below, never what is above it.
// The doctor checks what a night needs, the agent CLI included, so it sits above the agent profiles.
// The dashboard shows (and on request acts on) sessions and lane sets, so it sits above the lanes, under the commands.
// A module may import its own layer and the layers below it. Folders named here that do not exist yet are covered when they appear.
const ORDER = ['adapters', 'executors', 'engine', 'agents?', 'doctor', 'supervisor', 'lanes', 'dashboard', 'commands'];
const SIDE = ['report', 'sweep', 'compare'];

// The bottom: leaf modules at src/, the config/ and fs/ folders, and the pure shapes of a run (engine/types.ts, types
// only, used by every layer from the executors up).
const BASE = ['^src/[^/]+\\.ts$', '^src/(config|fs)/', '^src/engine/types\\.ts$'];

const dir = (names) => `^src/(${names.join('|')})/`;
const rules = [];

// Each layer of the chain: nothing above it (the side modules count as above everything up to the engine).
ORDER.forEach((layer, i) => {
  const above = ORDER.slice(i + 1);
  const to = layer === 'commands' ? [] : [...above];
  if (i <= ORDER.indexOf('engine')) to.push(...SIDE);
  if (to.length === 0) return;
  rules.push({
    name: `no-upward-from-${layer.replace('?', '')}`,
    comment: `${layer.replace('?', '')}/ may import only its own layer and the ones below it`,
    severity: 'error',
    from: { path: dir([layer]) },
    to: { path: [dir(to), '^src/cli\\.ts$'], pathNot: BASE.slice(1) },
  });
});

// report, sweep, compare: beside the engine, below agents, doctor, supervisor, lanes, dashboard and commands.
rules.push({
  name: 'no-upward-from-beside-engine',
  comment: 'report, sweep and compare use the engine and below only',
  severity: 'error',
  from: { path: dir(SIDE) },
  to: { path: [dir(ORDER.slice(ORDER.indexOf('agents?'))), '^src/cli\\.ts$'] },
});

rules.push({
  name: 'base-is-a-leaf',
  comment: 'src/*.ts, config/, fs/ and engine/types.ts are the bottom layer: they import nothing above them',
  severity: 'error',
  from: { path: BASE, pathNot: '^src/cli\\.ts$' },
  to: { path: '^src/', pathNot: BASE },
});

rules.push({
  name: 'no-circular',
  comment: 'an import cycle, type-only imports included',
  severity: 'error',
  from: {},
  to: { circular: true },
});

rules.push({
  name: 'not-to-unresolvable',
  comment: 'an import that resolves to nothing',
  severity: 'error',
  from: {},
  to: { couldNotResolve: true },
});

module.exports = {
  forbidden: rules,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(dist|node_modules)/' },
  },
};

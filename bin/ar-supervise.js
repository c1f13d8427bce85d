#!/usr/bin/env node
// The CLI runs from the esbuild bundle (dist/bundle/): one file per command instead of hundreds of
// modules, which is most of what an experiment's overhead was.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/bundle/cli.js', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write('ar-supervise: the build is missing (dist/bundle/cli.js); run "npm run build" in the package folder.\n');
  process.exit(1);
}
const { main } = await import(bundle.href);
main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`ar-supervise: internal error: ${e?.message ?? e}\n`);
    process.exitCode = 1;
  },
);

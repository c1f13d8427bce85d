#!/usr/bin/env node
import { main } from '../dist/cli.js';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`ar-supervise: internal error: ${e?.message ?? e}\n`);
    process.exitCode = 1;
  },
);

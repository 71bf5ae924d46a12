#!/usr/bin/env node
// The `kyso` command line: pki-core, pdf-sign, xml-sign and server commands in one tool (`npx kyso --help`).
// Commands are listed from a generated manifest and each command's module is imported only when it
// runs (dist/cli-lazy.js), so `kyso --help` and `kyso verify chain` start fast. The pdf commands come
// with `kyso pdf sign --remote URL --credential ID` enabled (the SDK's remote signer).
import { readFileSync } from 'node:fs';
// The framework directly (not @kyso/pki-core/cli, whose index re-exports the demo generator).
import { runCli } from '@kyso/pki-core/cli/framework';
import { lazyCommands } from '../dist/cli-lazy.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
process.exitCode = await runCli(
  lazyCommands(),
  process.argv.slice(2),
  { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
  { version },
);
// The command is over: a handle left open (a database, a socket) must not keep the process alive.
setTimeout(() => process.exit(), 2000).unref();

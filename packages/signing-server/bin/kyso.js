#!/usr/bin/env node
// The `kyso` command line: pki-core, pdf-sign and server commands in one tool (`npx kyso --help`).
// The pdf commands come with `kyso pdf sign --remote URL --credential ID` enabled (the SDK's
// remote signer; pdf-sign itself does not depend on the server).
import { main } from '@kyso/pki-core/cli';
import { pdfCommandsWithRemote, serverCommands } from '../dist/index.js';

process.exitCode = await main(process.argv.slice(2), [...serverCommands, ...pdfCommandsWithRemote()]);
// The command is over: a handle left open (a database, a socket) must not keep the process alive.
setTimeout(() => process.exit(), 2000).unref();

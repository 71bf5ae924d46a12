#!/usr/bin/env node
// Starts the kyso signing server (`npm start`). Configuration comes from the environment.
import { main } from '@kyso/pki-core/cli';
import { serverCommands } from '../dist/cli.js';

process.exitCode = await main(['server', 'start', ...process.argv.slice(2)], serverCommands);
// The command is over: a handle left open (a database, a socket) must not keep the process alive.
setTimeout(() => process.exit(), 2000).unref();

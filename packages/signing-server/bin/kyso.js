#!/usr/bin/env node
// The `kyso` command line: pki-core, pdf-sign and server commands in one tool (`npx kyso --help`).
import { pdfCommands } from '@kyso/pdf-sign';
import { main } from '@kyso/pki-core/cli';
import { serverCommands } from '../dist/index.js';

process.exitCode = await main(process.argv.slice(2), [...serverCommands, ...pdfCommands]);

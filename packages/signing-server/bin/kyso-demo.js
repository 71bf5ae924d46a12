#!/usr/bin/env node
// npm run demo: the server on PGlite, headless Chromium authorisation, signed and verified PDFs.
import { runDemo } from '../dist/demo/demo.js';

runDemo().then(
  () => process.exit(0),
  (e) => {
    console.error('[kyso demo] failed:', e);
    process.exit(1);
  },
);

#!/usr/bin/env node
// Writes docs/api/openapi.json from the route table (`npm run openapi`, after the build). The base
// URL is the default listener; test/ops.test.ts checks that the file equals what /openapi.json serves.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from '../dist/http/openapi.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const out = path.join(root, 'docs/api/openapi.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify(openApiDocument('http://127.0.0.1:8080'), null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), out) || out}`);

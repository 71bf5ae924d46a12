#!/usr/bin/env node
/**
 * Baseline for bench/ocsp-http.bench.mjs: a bare node:http server that answers every request with
 * the same bytes (a pre-produced OCSP response fetched from kyso) and the same headers kyso sends,
 * and nothing else. Prints `listening <url>`.
 *
 *   node bench/support/bare-bytes-server.mjs <response.der> <headers.json>
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';

const body = readFileSync(process.argv[2]);
const headers = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const server = http.createServer((_req, res) => {
  res.writeHead(200, { ...headers, 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  console.log(`listening http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

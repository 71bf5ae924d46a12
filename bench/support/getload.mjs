#!/usr/bin/env node
/**
 * GET load for bench/ocsp-http.bench.mjs, run as its own process: autocannon sends the same GET
 * over `connections` connections for `seconds` and prints one JSON line (responses per second,
 * status counts, and whether every body equals the expected one's length).
 *
 *   node bench/support/getload.mjs <spec.json>
 *   spec: { url, connections, seconds, expectLength }
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const statuses = {};
let wrongLength = 0;
let tFirst;
let tLast;
let n = 0;
const result = await autocannon({
  url: spec.url,
  method: 'GET',
  connections: spec.connections,
  pipelining: 1,
  duration: spec.seconds,
  timeout: 30,
  requests: [
    {
      setupRequest(req) {
        tFirst ??= process.hrtime.bigint();
        return req;
      },
      onResponse(status, body) {
        tLast = process.hrtime.bigint();
        n++;
        statuses[status] = (statuses[status] ?? 0) + 1;
        // autocannon hands the body over as text: only an empty 200 is caught here (the bench
        // checks the bytes of each server with openssl before the load).
        if (status === 200 && !body) wrongLength++;
      },
    },
  ],
});
const seconds = tFirst && tLast ? Number(tLast - tFirst) / 1e9 : result.duration;
process.stdout.write(
  `${JSON.stringify({
    seconds,
    responses: n,
    perSecond: (statuses[200] ?? 0) / seconds,
    statuses,
    wrongLength,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
  })}\n`,
);

#!/usr/bin/env node
/**
 * Load generator for bench/signhash.bench.mjs, run as its own process (so it does not share the
 * server's event loop): autocannon posts each body of a request file exactly once, in order, over
 * `connections` keep-alive connections, and prints one JSON line with the outcome.
 *
 *   node bench/support/loadgen.mjs <spec.json>
 *   spec: { url, headers, bodies: string[], connections }
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const bodies = spec.bodies;
let next = 0;
const statuses = {};
// The rate is taken between the first request sent and the last response received: autocannon's
// own start-up and its 1-second ticker (a run with `amount` ends on a tick) are not the server's.
let tFirst;
let tLast;
let sample;
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const result = await autocannon({
  url: spec.url,
  method: 'POST',
  connections: spec.connections,
  pipelining: 1,
  amount: bodies.length,
  timeout: 60,
  headers: { 'content-type': 'application/json', ...spec.headers },
  requests: [
    {
      setupRequest(req) {
        // Past the end (autocannon may ask once more per connection) the last body repeats; the
        // server refuses it (spent SAD) and the run is reported as invalid if that was counted.
        tFirst ??= process.hrtime.bigint();
        const body = bodies[Math.min(next++, bodies.length - 1)];
        return { ...req, body };
      },
      onResponse(status, body) {
        tLast = process.hrtime.bigint();
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status !== 200 && !sample) sample = body.slice(0, 300);
      },
    },
  ],
});
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const seconds = tFirst && tLast ? Number(tLast - tFirst) / 1e9 : wall;
process.stdout.write(
  `${JSON.stringify({
    seconds,
    wall,
    cpuMs: (() => {
      const c = process.cpuUsage(cpu0);
      return (c.user + c.system) / 1000;
    })(),
    duration: result.duration,
    requests: result.requests.total,
    ok: statuses[200] ?? 0,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    sample,
    latencyP50: result.latency.p50,
    latencyP99: result.latency.p99,
  })}\n`,
);

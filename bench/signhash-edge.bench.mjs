/**
 * signHash's HTTP edge (issue 21): the CPU kyso's HTTP layer spends per request, with everything
 * behind it stubbed, against a bare Hono endpoint, side by side in one run.
 *
 * - kyso: createApp from the build (bench/support/edge-server.mjs): request id, URL text check,
 *   access log line (pino, to stdout as the server writes it), body limit, body read, NUL check and
 *   schema validation, the route; CscService.signHashFast stubbed to answer a fixed signature.
 * - bare: a Hono endpoint parsing the same body and answering the same JSON.
 * - KYSO_BENCH_EDGE_BASE=<dist dir>[,<dist dir>...] adds a server from each other build of
 *   packages/signing-server (e.g. a copy of main's dist under node_modules/, so that its imports
 *   resolve; or the build with one change undone): before/after measurements in the same run.
 * Load: bench/support/loadgen.mjs (autocannon, own process), 16 connections, rounds alternate the
 * servers. Value: CPU µs per request of each server process (/proc, user + system), median of the
 * rounds; ratio = kyso / bare.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { median, procCpuMs, QUICK, report, root, runLoadgen, startChild, stopChildren } from './lib.mjs';

const ROUNDS = QUICK ? 3 : 7;
const COUNT = QUICK ? 3000 : 10000;
const CONNS = 16;
const body = () =>
  JSON.stringify({
    credentialID: 'cred-0123456789abcdef',
    SAD: crypto.randomBytes(32).toString('base64url'),
    hashes: [crypto.randomBytes(32).toString('base64')],
    hashAlgorithmOID: '2.16.840.1.101.3.4.2.1',
    signAlgo: '1.2.840.10045.2.1',
  });

async function main() {
  const script = path.join(root, 'bench/support/edge-server.mjs');
  const ready = /"url":"(http:\/\/[^"]+)"/;
  const targets = [
    { key: 'kyso', edge: path.join(root, 'packages/signing-server/dist') },
    { key: 'bare', edge: 'bare' },
  ];
  for (const [i, dir] of (process.env.KYSO_BENCH_EDGE_BASE?.split(',') ?? []).entries())
    targets.push({ key: `other ${i + 1}`, edge: path.resolve(dir) });
  const results = [];
  try {
    for (const t of targets) {
      const s = await startChild(process.execPath, [script], { EDGE: t.edge }, ready);
      t.pid = s.child.pid;
      t.url = `${s.match[1]}/csc/v2/signatures/signHash`;
      t.cpu = [];
      t.rate = [];
    }
    const headers = { authorization: `Bearer ${crypto.randomBytes(32).toString('base64url')}` };
    const bodies = Array.from({ length: COUNT }, body);
    for (const t of targets)
      await runLoadgen('loadgen.mjs', { url: t.url, headers, bodies, connections: CONNS });
    for (let r = 0; r < ROUNDS; r++)
      for (const t of targets) {
        const c0 = procCpuMs(t.pid);
        const res = await runLoadgen('loadgen.mjs', { url: t.url, headers, bodies, connections: CONNS });
        if (res.ok !== COUNT)
          throw new Error(`${t.key}: ${res.ok}/${COUNT} answered 200 ${JSON.stringify(res.statuses)}`);
        t.cpu.push((1000 * (procCpuMs(t.pid) - c0)) / res.ok);
        t.rate.push(res.ok / res.seconds);
        console.log(
          `  round ${r + 1} ${t.key}: ${t.cpu.at(-1).toFixed(1)} µs CPU/request, ${t.rate.at(-1).toFixed(0)} requests/s`,
        );
      }
  } finally {
    await stopChildren();
  }
  const [kyso, bare, ...others] = targets;
  const row = (t, name) => ({
    name,
    value: median(t.cpu),
    unit: 'µs CPU/request',
    baseline: 'bare Hono endpoint, same body and answer',
    baselineValue: median(bare.cpu),
    ratio: median(t.cpu) / median(bare.cpu),
    notes: `server process CPU, median of ${ROUNDS} rounds of ${COUNT} requests, ${CONNS} connections; ${median(t.rate).toFixed(0)} vs ${median(bare.rate).toFixed(0)} requests/s; no database, no vault (signHashFast stubbed)`,
    samples: { kyso: t.cpu, baseline: bare.cpu },
  });
  results.push(row(kyso, 'signHash HTTP edge (kyso createApp, services stubbed)'));
  for (const t of others) results.push(row(t, `signHash HTTP edge, ${path.relative(root, t.edge)}`));
  report(results);
}

await main();

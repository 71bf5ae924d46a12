/**
 * Small benchmarking helpers shared by bench/*.bench.mjs files (plain Node ESM, no dependencies).
 *
 * A benchmark file measures kyso against a baseline measured in the same run, and calls
 * `report(results)`; `bench/run.js` runs every file in its own process and collects the results.
 * Each result: { name, value, unit, baseline, baselineValue, ratio, goal?, met?, notes? }.
 * `ratio` is kyso's time divided by the baseline's time (lower is better) unless the benchmark says
 * otherwise in `ratioMeaning`.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** KYSO_BENCH_QUICK=1 (or `node bench/run.js --quick`) shortens every measurement (smoke runs). */
export const QUICK = process.env.KYSO_BENCH_QUICK === '1';

const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

/** Runs fn `n` times (awaiting when it is async); returns elapsed ms. */
async function runBatch(fn, n, isAsync) {
  const t0 = now();
  if (isAsync) for (let i = 0; i < n; i++) await fn();
  else for (let i = 0; i < n; i++) fn();
  return now() - t0;
}

/** Iterations that take about `targetMs` (after a short warm-up). */
async function calibrate(fn, targetMs) {
  const isAsync = fn() instanceof Promise;
  let n = 1;
  for (;;) {
    const t = await runBatch(fn, n, isAsync);
    if (t >= 20 || n >= 1e8)
      return { n: Math.max(1, Math.round((n * targetMs) / Math.max(t, 0.001))), isAsync };
    n *= 4;
  }
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Measures `fn` against `baseline.fn`, alternating rounds (A, B, A, B...) so that load from other
 * processes affects both alike; reports medians of per-operation times in microseconds.
 */
export async function compare({
  name,
  fn,
  baseline,
  rounds = QUICK ? 3 : 9,
  roundMs = QUICK ? 60 : 250,
  goal,
  goalRatio,
  notes,
}) {
  const a = await calibrate(fn, roundMs);
  const b = await calibrate(baseline.fn, roundMs);
  const as = [];
  const bs = [];
  for (let r = 0; r < rounds; r++) {
    as.push(((await runBatch(fn, a.n, a.isAsync)) * 1000) / a.n);
    bs.push(((await runBatch(baseline.fn, b.n, b.isAsync)) * 1000) / b.n);
  }
  const value = median(as);
  const baselineValue = median(bs);
  const ratio = value / baselineValue;
  const result = {
    name,
    value,
    unit: 'µs/op',
    baseline: baseline.name,
    baselineValue,
    ratio,
    samples: { kyso: as, baseline: bs },
  };
  if (goal) result.goal = goal;
  if (goalRatio !== undefined) result.met = ratio <= goalRatio;
  if (notes) result.notes = notes;
  return result;
}

/** Prints results and hands them to bench/run.js (KYSO_BENCH_OUT) when run through it. */
export function report(results) {
  for (const r of results) {
    const fmt = (v) => (v >= 100 ? v.toFixed(0) : v.toPrecision(3));
    console.log(
      `${r.name}: ${fmt(r.value)} ${r.unit} vs ${r.baseline} ${fmt(r.baselineValue)} ${r.unit} -> ratio ${r.ratio.toFixed(2)}` +
        (r.goal ? ` (goal ${r.goal}: ${r.met === undefined ? 'n/a' : r.met ? 'met' : 'NOT met'})` : ''),
    );
  }
  if (process.env.KYSO_BENCH_OUT) writeFileSync(process.env.KYSO_BENCH_OUT, JSON.stringify(results, null, 2));
}

// --- servers as child processes (bench/signhash.bench.mjs, bench/ocsp-http.bench.mjs) --------------

/** The repository root. */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The PostgreSQL the server benchmarks use (a fresh schema each run). */
export const PG_URL = process.env.KYSO_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const children = [];

/**
 * Spawns `cmd args` in the repository root and resolves with the first match of `ready` in its
 * stdout/stderr ({ child, match, out() }); keeps draining its output; rejects if it exits or does
 * not start in 90 s. Node children (cmd = process.execPath) write V8 CPU profiles into
 * KYSO_BENCH_PROFILE=<dir> when they stop (SIGTERM). `stopChildren` ends them all.
 */
export function startChild(cmd, args, env, ready) {
  const name = cmd === process.execPath ? path.basename(args[0]) : cmd;
  const prof = process.env.KYSO_BENCH_PROFILE;
  if (prof && cmd === process.execPath) args = ['--cpu-prof', `--cpu-prof-dir=${prof}`, ...args];
  const child = spawn(cmd, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${name} did not start:\n${out.slice(-3000)}`)), 90_000);
    const onData = (d) => {
      if (out.length < 200_000) out += d.toString();
      const m = ready.exec(out);
      if (m && t) {
        clearTimeout(t);
        resolve({ child, match: m, out: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, sig) => reject(new Error(`${name} exited ${code ?? sig}:\n${out.slice(-3000)}`)));
  });
}

/** SIGTERM to every child still running; resolves when all have exited. */
export async function stopChildren() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  await Promise.all(
    children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)),
  );
}

/**
 * The built kyso server (packages/signing-server/bin/kyso-server.js) as a child process on
 * PORT=0 with `env` added; resolves with { child, url, operatorKey, out() } once it listens.
 */
export async function startKyso(env) {
  const s = await startChild(
    process.execPath,
    [path.join(root, 'packages/signing-server/bin/kyso-server.js')],
    { PORT: '0', LOG_LEVEL: 'info', ...env },
    /"url":"(http:\/\/[^"]+)".*listening/,
  );
  return { ...s, url: s.match[1], operatorKey: /kyso_op_[A-Za-z0-9_-]+/.exec(s.out())?.[0] };
}

/**
 * A fresh schema in the benchmark PostgreSQL: { db (a connected pg.Client), schema, env (the
 * server's DATABASE_URL and DATABASE_SCHEMA), drop() (drops the schema, closes the client) }.
 */
export async function benchSchema() {
  const { default: pg } = await import('pg');
  const schema = `kyso_bench_${crypto.randomBytes(6).toString('hex')}`;
  const db = new pg.Client(PG_URL);
  await db.connect();
  await db.query(`CREATE SCHEMA ${schema}`);
  return {
    db,
    schema,
    env: { DATABASE_URL: PG_URL, DATABASE_SCHEMA: schema },
    async drop() {
      await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
      await db.end();
    },
  };
}

/**
 * Runs a load generator (bench/support/<script>, its own process so it does not share a server's
 * event loop) with `spec` as its JSON spec file; resolves with the JSON of its last output line.
 */
export function runLoadgen(script, spec) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kyso-bench-load-'));
  const file = path.join(dir, 'spec.json');
  writeFileSync(file, JSON.stringify(spec));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bench/support', script), file], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`load generator ${script} exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

/** utime + stime (ms) from the text of /proc/<pid>/stat (fields 14 and 15, in 1/100 s). */
export function statCpuMs(stat) {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time (ms, user + system, all threads) of a process, from /proc (Linux); NaN elsewhere. */
export function procCpuMs(pid) {
  try {
    return statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return Number.NaN;
  }
}

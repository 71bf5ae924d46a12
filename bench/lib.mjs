/**
 * Small benchmarking helpers shared by bench/*.bench.mjs files (plain Node ESM, no dependencies).
 *
 * A benchmark file measures kyso against a baseline measured in the same run, and calls
 * `report(results)`; `bench/run.js` runs every file in its own process and collects the results.
 * Each result: { name, value, unit, baseline, baselineValue, ratio, goal?, met?, notes? }.
 * `ratio` is kyso's time divided by the baseline's time (lower is better) unless the benchmark says
 * otherwise in `ratioMeaning`.
 */
import { writeFileSync } from 'node:fs';

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

const median = (xs) => {
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

#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (as KYSO_BENCH_PROFILE writes them): self time by function and by
 * file (bottom-up), and inclusive time of chosen functions, as a share of the non-idle samples.
 *
 *   node bench/support/profile-summary.mjs <file.cpuprofile> [--top 40] [--incl name,name...]
 *     [--case 'P-256 x1'] (only the timed windows whose case name contains this)
 *
 * With a windows-<pid>.json beside the profile (bench/signhash.bench.mjs writes one per server
 * under KYSO_BENCH_PROFILE), only the samples taken during the timed rounds count (--all: every
 * sample).
 *
 * "(idle)", "(program)" and "(garbage collector)" are V8's own nodes; idle is left out of the
 * percentages (the share of busy time is what a per-request cost is).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const file = args[0];
if (!file) {
  console.error('usage: profile-summary.mjs <file.cpuprofile> [--top N] [--incl f1,f2]');
  process.exit(2);
}
const opt = (name, d) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : d;
};
const TOP = Number(opt('--top', 40));
const INCL = (opt('--incl', '') || '').split(',').filter(Boolean);

const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// The timed rounds' windows (bench/signhash.bench.mjs writes windows-<pid>.json next to the
// profiles; V8 names them CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile): only samples inside
// them count, unless --all.
const pid = /^CPU\.\d+\.\d+\.(\d+)\./.exec(path.basename(file))?.[1];
const winFile = pid && path.join(path.dirname(file), `windows-${pid}.json`);
const CASE = opt('--case', '');
const wins = (
  !args.includes('--all') && winFile && existsSync(winFile) ? JSON.parse(readFileSync(winFile, 'utf8')) : []
).filter((w) => w.label.includes(CASE));
const inWindow = (t) => wins.length === 0 || wins.some((w) => t >= w.from && t <= w.to);

// Time per sample: the delta that follows it (V8's timeDeltas are the gaps before each sample).
const selfUs = new Map();
const deltas = prof.timeDeltas;
let t = prof.startTime;
for (let i = 0; i < prof.samples.length; i++) {
  t += deltas[i] ?? 0;
  if (!inWindow(t)) continue;
  const dt = deltas[i + 1] ?? 0;
  selfUs.set(prof.samples[i], (selfUs.get(prof.samples[i]) ?? 0) + Math.max(0, dt));
}

const short = (url) => {
  if (!url) return '';
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('node_modules/');
  if (nm >= 0) return u.slice(nm + 'node_modules/'.length);
  const pk = u.indexOf('/packages/');
  if (pk >= 0) return u.slice(pk + 1);
  return path.basename(u);
};
const label = (cf) =>
  `${cf.functionName || '(anonymous)'} ${short(cf.url)}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;

let total = 0;
let idle = 0;
const fn = new Map();
const files = new Map();
for (const [id, us] of selfUs) {
  const n = byId.get(id);
  const cf = n.callFrame;
  total += us;
  if (cf.functionName === '(idle)') {
    idle += us;
    continue;
  }
  const l = label(cf);
  fn.set(l, (fn.get(l) ?? 0) + us);
  const f = cf.url ? short(cf.url).split('/').slice(0, 3).join('/') : `(native) ${cf.functionName}`;
  files.set(f, (files.get(f) ?? 0) + us);
}
const busy = total - idle;
const pct = (us) => `${((100 * us) / busy).toFixed(1).padStart(5)} %`;
const ms = (us) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
console.log(
  `${path.basename(file)}${wins.length ? ` (${wins.length} timed windows: ${[...new Set(wins.map((w) => w.label))].join(', ')})` : ''}: ${(total / 1e6).toFixed(1)} s sampled, idle ${(idle / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (percentages of busy)`,
);
console.log('\nself time by function:');
for (const [l, us] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, TOP))
  console.log(`${pct(us)} ${ms(us)}  ${l}`);
console.log('\nself time by file (first path components):');
for (const [l, us] of [...files].sort((a, b) => b[1] - a[1]).slice(0, TOP))
  console.log(`${pct(us)} ${ms(us)}  ${l}`);

// Inclusive time: a sample counts once for a function name found anywhere on its stack.
if (INCL.length) {
  console.log('\ninclusive time:');
  const incl = new Map(INCL.map((x) => [x, 0]));
  for (const [id, us] of selfUs) {
    const seen = new Set();
    for (let k = id; k !== undefined; k = parent.get(k)) {
      const name = byId.get(k).callFrame.functionName;
      for (const x of INCL) if (!seen.has(x) && name === x) seen.add(x);
    }
    for (const x of seen) incl.set(x, incl.get(x) + us);
  }
  for (const [x, us] of incl) console.log(`${pct(us)} ${ms(us)}  ${x}`);
}

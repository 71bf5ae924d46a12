#!/usr/bin/env node
/**
 * Runs every bench/*.bench.js and bench/*.bench.mjs file, each in its own Node process, collects
 * their results ({ name, value, unit, baseline, baselineValue, ratio, goal?, met?, notes? }) and
 * writes a markdown table with the machine's description into docs/benchmarks.md (between the
 * `<!-- bench:begin -->` and `<!-- bench:end -->` markers; the rest of the file is kept).
 *
 *   npm run bench                  build, then run everything and update docs/benchmarks.md
 *   node bench/run.js der          only files whose name contains "der"
 *   node bench/run.js --quick      short measurements (smoke test)
 *   node bench/run.js --no-write   do not touch docs/benchmarks.md
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(benchDir, '..');
const docPath = path.join(root, 'docs', 'benchmarks.md');
const BEGIN = '<!-- bench:begin -->';
const END = '<!-- bench:end -->';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const write = !args.includes('--no-write');
const filters = args.filter((a) => !a.startsWith('--'));

const files = readdirSync(benchDir)
  .filter((f) => /\.bench\.m?js$/.test(f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(
    `no benchmark files${filters.length ? ` matching ${filters.join(', ')}` : ''} in ${benchDir}`,
  );
  process.exit(1);
}

function tryRun(cmd, argv) {
  try {
    return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function machineInfo() {
  const cpus = os.cpus();
  const dirty = tryRun('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no']);
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
    nodeOpenssl: process.versions.openssl,
    opensslCli: tryRun('openssl', ['version']) ?? 'not installed',
    commit: `${tryRun('git', ['-C', root, 'rev-parse', '--short', 'HEAD']) ?? 'unknown'}${dirty ? ' (with uncommitted changes)' : ''}`,
    loadAverage: os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
    quick,
  };
}

const info = machineInfo();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kyso-bench-'));
const runs = [];
let failed = 0;
for (const f of files) {
  const out = path.join(tmp, `${f}.json`);
  console.log(`\n== ${f}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [path.join(benchDir, f)], {
    stdio: 'inherit',
    cwd: root,
    env: { ...process.env, KYSO_BENCH_OUT: out, ...(quick ? { KYSO_BENCH_QUICK: '1' } : {}) },
  });
  const seconds = (Date.now() - t0) / 1000;
  if (r.status !== 0 || !existsSync(out)) {
    failed++;
    console.error(`!! ${f} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
    runs.push({ file: f, seconds, error: r.error?.message ?? `exit ${r.status ?? r.signal}`, results: [] });
    continue;
  }
  runs.push({ file: f, seconds, results: JSON.parse(readFileSync(out, 'utf8')) });
}
rmSync(tmp, { recursive: true, force: true });

const num = (v) =>
  v === undefined || v === null || Number.isNaN(v) ? '' : v >= 100 ? v.toFixed(0) : v.toPrecision(3);
const cell = (s) => String(s ?? '').replace(/\|/g, '\\|');

function markdown() {
  const lines = [];
  lines.push(BEGIN);
  lines.push(
    `Run of \`npm run bench\` on ${info.date}${info.quick ? ' (--quick: short measurements)' : ''}.`,
  );
  lines.push('');
  lines.push('| Machine | |');
  lines.push('|---|---|');
  lines.push(`| CPU | ${cell(info.cpu)} |`);
  lines.push(`| Cores | ${info.cores} |`);
  lines.push(`| Memory | ${info.memory} |`);
  lines.push(`| OS | ${cell(info.os)} |`);
  lines.push(`| Node | ${info.node} (OpenSSL ${info.nodeOpenssl}) |`);
  lines.push(`| OpenSSL CLI | ${cell(info.opensslCli)} |`);
  lines.push(`| Commit | ${cell(info.commit)} |`);
  lines.push(`| Load average at start | ${info.loadAverage} |`);
  lines.push('');
  lines.push(
    'Ratio = kyso time / baseline time, both measured in the same process in alternating rounds (median of the rounds); below 1 means kyso is faster. A benchmark may define its ratio otherwise in its notes.',
  );
  lines.push('');
  lines.push('| Benchmark | kyso | Baseline | Baseline value | Ratio | Goal | Met | File | Notes |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const run of runs) {
    if (run.error) {
      lines.push(`| (failed: ${cell(run.error)}) | | | | | | | ${run.file} | |`);
      continue;
    }
    for (const r of run.results) {
      const met = r.met === undefined ? '' : r.met ? 'yes' : '**no**';
      lines.push(
        `| ${cell(r.name)} | ${num(r.value)} ${cell(r.unit)} | ${cell(r.baseline)} | ${num(r.baselineValue)} ${cell(r.unit)} | ${r.ratio?.toFixed(2) ?? ''} | ${cell(r.goal)} | ${met} | ${run.file} | ${cell(r.notes)} |`,
      );
    }
  }
  lines.push('');
  lines.push(
    `Reproduce: \`npm run bench\` (or \`node bench/run.js <file-filter>\` after \`npm run build\`).`,
  );
  lines.push(END);
  return lines.join('\n');
}

const section = markdown();
if (write) {
  let doc = existsSync(docPath)
    ? readFileSync(docPath, 'utf8')
    : '# Benchmarks\n\nEvery figure is a ratio against a baseline measured in the same run (see bench/).\n\n';
  const b = doc.indexOf(BEGIN);
  const e = doc.indexOf(END);
  if (b >= 0 && e > b) doc = `${doc.slice(0, b)}${section}${doc.slice(e + END.length)}`;
  else doc = `${doc.replace(/\n*$/, '\n\n')}${section}\n`;
  writeFileSync(docPath, doc);
  console.log(`\nwrote ${path.relative(root, docPath)}`);
}
console.log(`\n${section}`);
process.exit(failed ? 1 : 0);

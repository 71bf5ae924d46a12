#!/usr/bin/env node
/**
 * Runs every bench/*.bench.js and bench/*.bench.mjs file, each in its own Node process, collects
 * their results ({ name, value, unit, baseline, baselineValue, ratio, goal?, met?, notes? }) and
 * writes a markdown table per file, with the machine's description, into docs/benchmarks.md
 * (between `<!-- bench:begin FILE -->` and `<!-- bench:end FILE -->` markers; sections of files
 * that did not run, and any text outside the markers, are kept).
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

const HEADER = `# Benchmarks

Every figure is measured against a baseline in the same run (\`npm run bench\`; code in
\`bench/*.bench.mjs\`, runner \`bench/run.js\`). Ratio = kyso time / baseline time (lower is
better; below 1 kyso is faster) unless a benchmark's notes say otherwise. Each section below is
rewritten when its file runs, with the machine it ran on; \`node bench/run.js <filter>\` reruns
only some files and keeps the other sections.
`;

const machineLine = () =>
  `Ran ${info.date}${info.quick ? ' with --quick (short measurements)' : ''} at commit ${info.commit}, ` +
  `on ${info.cpu} (${info.cores} cores, ${info.memory}), ${info.os}, Node ${info.node} ` +
  `(OpenSSL ${info.nodeOpenssl}), ${info.opensslCli}; load average at start ${info.loadAverage}.`;

/** Markdown section for one benchmark file, between its own markers. */
function fileSection(run) {
  const lines = [`${BEGIN.replace(' -->', ` ${run.file} -->`)}`, `### ${run.file}`, '', machineLine(), ''];
  if (run.error) {
    lines.push(`**Failed** after ${run.seconds.toFixed(0)} s: ${cell(run.error)}`);
  } else {
    lines.push('| Benchmark | kyso | Baseline | Baseline value | Ratio | Goal | Met | Notes |');
    lines.push('|---|---|---|---|---|---|---|---|');
    for (const r of run.results) {
      const met = r.met === undefined ? '' : r.met ? 'yes' : '**no**';
      lines.push(
        `| ${cell(r.name)} | ${num(r.value)} ${cell(r.unit)} | ${cell(r.baseline)} | ${num(r.baselineValue)} ${cell(r.unit)} | ${typeof r.ratio === 'number' ? r.ratio.toFixed(2) : ''} | ${cell(r.goal)} | ${met} | ${cell(r.notes)} |`,
      );
    }
    lines.push('', `${run.results.length} results in ${run.seconds.toFixed(0)} s.`);
  }
  lines.push(END.replace(' -->', ` ${run.file} -->`));
  return lines.join('\n');
}

/** Replaces (or appends) each run file's section in the document; other sections are kept. */
function updateDoc(doc) {
  let out = doc;
  for (const run of runs) {
    const b = BEGIN.replace(' -->', ` ${run.file} -->`);
    const e = END.replace(' -->', ` ${run.file} -->`);
    const i = out.indexOf(b);
    const j = out.indexOf(e);
    const section = fileSection(run);
    if (i >= 0 && j > i) out = `${out.slice(0, i)}${section}${out.slice(j + e.length)}`;
    else out = `${out.replace(/\n*$/, '\n\n')}${section}\n`;
  }
  return out;
}

if (write) {
  const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : HEADER;
  writeFileSync(docPath, updateDoc(doc));
  console.log(`\nupdated ${path.relative(root, docPath)} (${runs.map((r) => r.file).join(', ')})`);
}
for (const run of runs) console.log(`\n${fileSection(run)}`);
process.exit(failed ? 1 : 0);

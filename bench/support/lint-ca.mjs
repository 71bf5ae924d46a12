/**
 * Lint before issue as a CA runs it (bench/lint.bench.mjs): issuance through the signing server's
 * issuing endpoint with the gate on and off, and `kyso cert issue` as a user runs it.
 *
 * - Server: two built servers (packages/signing-server/bin/kyso-server.js), each its own process on
 *   PostgreSQL (127.0.0.1:5432, database `test`, a fresh schema each, dropped at the end), the same
 *   configuration except KYSO_LINT_BEFORE_ISSUE (on: the default; off: audited). The timed request
 *   is POST /admin/credentials for one of many enrolled subscribers: a P-256 key made in the
 *   software vault and sealed, a CSR, its proof of possession checked, the certificate issued
 *   (person-signing, the subscriber's subject with UID=CCCD) and stored with its audit records in one
 *   transaction. Measured: the server process's CPU time (all threads, /proc/<pid>/task/<tid>/
 *   schedstat, nanoseconds) per issuance, fastest of alternating rounds; PostgreSQL's CPU is not
 *   counted (it is the same with the gate on or off, so leaving it out only makes the ratio larger).
 * - CLI: `kyso cert issue --csr` as a user runs it (a new Node process each time, CA key and
 *   certificate read from files, the certificate written to a file). The CLI has no switch to turn
 *   the gate off (lint errors always refuse), so the baseline is derived: the median CLI run minus
 *   what the gate costs in a fresh process (one issuance with `lint: false`, then the first
 *   lintBeforeIssue call timed: cold code, as in a CLI run), measured in separate processes.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PG_URL = process.env.KYSO_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** CPU time (ns) of every thread of a process, from /proc/<pid>/task/<tid>/schedstat (Linux). */
function cpuNs(pid) {
  let t = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      t += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended
    }
  }
  return t;
}

function startServer(env, children) {
  const child = spawn(process.execPath, [path.join(root, 'packages/signing-server/bin/kyso-server.js')], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server did not start:\n${out.slice(-3000)}`)), 120_000);
    const onData = (d) => {
      if (out.length < 200_000) out += d.toString();
      const m = /"url":"(http:\/\/[^"]+)".*listening/.exec(out);
      const k = /kyso_op_[A-Za-z0-9_-]+/.exec(out);
      if (m && k) {
        clearTimeout(t);
        resolve({ child, url: m[1], operatorKey: k[0], out: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, sig) => reject(new Error(`server exited ${code ?? sig}:\n${out.slice(-3000)}`)));
  });
}

async function post(s, p, json) {
  const r = await fetch(s.url + p, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.operatorKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(json),
  });
  const body = await r.json();
  return { status: r.status, body };
}

/** Server rows: POST /admin/credentials (key, CSR, issuance, storage, audit) with the gate on and off. */
export async function serverRows({ quick }) {
  const ROUNDS = quick ? 1 : 6;
  const PER = quick ? 10 : 50;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kyso-bench-lint-'));
  const db = new pg.Client(PG_URL);
  await db.connect();
  const children = [];
  const schemas = [];
  try {
    const servers = {};
    for (const gate of ['on', 'off']) {
      const schema = `kyso_bench_lint_${gate}_${crypto.randomBytes(4).toString('hex')}`;
      await db.query(`CREATE SCHEMA ${schema}`);
      schemas.push(schema);
      servers[gate] = await startServer(
        {
          DATABASE_URL: PG_URL,
          DATABASE_SCHEMA: schema,
          PORT: '0',
          KYSO_DATA_DIR: path.join(tmp, gate),
          KYSO_KEK: crypto.randomBytes(32).toString('base64'),
          LOG_LEVEL: process.env.KYSO_BENCH_LOG_LEVEL ?? 'info',
          KYSO_ARGON2_MEMORY_KIB: '4096',
          KYSO_ARGON2_ITERATIONS: '1',
          KYSO_LINT_BEFORE_ISSUE: gate,
        },
        children,
      );
    }
    // Enough subscribers that no subject repeats within a round.
    const subs = { on: [], off: [] };
    for (const gate of ['on', 'off']) {
      for (let i = 0; i < PER; i++) {
        const n = String(i).padStart(4, '0');
        const r = await post(servers[gate], '/admin/subscribers', {
          kind: 'citizen',
          name: `Nguyễn Văn Bench ${n}`,
          cccd: `07920000${n}`,
          pin: '246810',
          province: 'Thành phố Hồ Chí Minh',
        });
        if (r.status !== 201) throw new Error(`subscriber: ${r.status} ${JSON.stringify(r.body)}`);
        subs[gate].push(r.body.id);
      }
    }
    // One request to one server, its CPU time (ns precision) and wall time.
    const issueOne = async (gate, id) => {
      const s = servers[gate];
      const c0 = cpuNs(s.child.pid);
      const t = performance.now();
      const r = await post(s, '/admin/credentials', {
        subscriberId: id,
        key: { type: 'EC', curve: 'P-256' },
        description: 'bench',
      });
      const wallMs = performance.now() - t;
      const cpuUs = (cpuNs(s.child.pid) - c0) / 1000;
      if (r.status !== 201) throw new Error(`issue (gate ${gate}): ${r.status} ${JSON.stringify(r.body)}`);
      return { cpuUs, wallMs };
    };
    const on = [];
    const off = [];
    // Requests alternate between the servers one by one (the order flips every pair), so load from
    // other processes falls on both alike; the first round warms up and is not counted.
    for (let r = 0; r <= ROUNDS; r++) {
      for (let i = 0; i < PER; i++) {
        const pair =
          (r + i) % 2
            ? [await issueOne('off', subs.off[i]), await issueOne('on', subs.on[i])].reverse()
            : [await issueOne('on', subs.on[i]), await issueOne('off', subs.off[i])];
        if (r === 0) continue;
        on.push(pair[0]);
        off.push(pair[1]);
      }
    }
    // The gate-off server said so in its audit, and issued without it.
    const audit = await db.query(
      `SELECT count(*)::int AS n FROM ${schemas[1]}.audit_log WHERE action = 'config.lint_before_issue_off'`,
    );
    if (audit.rows[0].n < 1) throw new Error('gate-off server did not audit KYSO_LINT_BEFORE_ISSUE=off');
    const value = median(on.map((x) => x.cpuUs));
    const baselineValue = median(off.map((x) => x.cpuUs));
    return [
      {
        name: 'signing server: issue a certificate (POST /admin/credentials), lint before issue on',
        value,
        unit: 'µs CPU/op',
        baseline: 'the same server, KYSO_LINT_BEFORE_ISSUE=off',
        baselineValue,
        ratio: value / baselineValue,
        goal: '< 1.10 (lint adds < 10 %)',
        met: value / baselineValue < 1.1,
        notes: `server process CPU (all threads) per issuance, median of ${on.length} requests to each server, alternating one by one; P-256 subscriber key made in the vault, CSR, issuance, storage and audit in one PostgreSQL transaction (PostgreSQL CPU not counted); median request ${median(on.map((x) => x.wallMs)).toFixed(1)} ms on, ${median(off.map((x) => x.wallMs)).toFixed(1)} ms off`,
      },
    ];
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(
      children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)),
    );
    for (const s of schemas) await db.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`).catch(() => {});
    await db.end();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** CLI row: `kyso cert issue --csr` as a user runs it; baseline derived (see the header). */
export async function cliRows({ quick, dist }) {
  const RUNS = quick ? 3 : 15;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'kyso-bench-lint-cli-'));
  const kyso = path.join(root, 'packages/signing-server/bin/kyso.js');
  try {
    const { LocalSigner, createCsr, generateKeyPair, issueCertificate, pemEncode } = await import(dist.href);
    const caKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const caSigner = new LocalSigner(caKey);
    const ca = await issueCertificate({
      profile: 'root-ca',
      subject: 'C=VN,O=Kyso Bench,CN=Kyso Bench Root',
      publicKey: caKey.publicKeyInfo,
      signer: caSigner,
    });
    writeFileSync(path.join(tmp, 'ca.pem'), pemEncode('CERTIFICATE', ca.der));
    writeFileSync(path.join(tmp, 'ca.key.pem'), pemEncode('PRIVATE KEY', await caKey.exportPkcs8()));
    const csrs = [];
    for (let i = 0; i < RUNS + 1; i++) {
      const n = String(i).padStart(3, '0');
      const k = await generateKeyPair({ type: 'EC', curve: 'P-256' });
      const csr = await createCsr({
        subject: `C=VN,ST=Hà Nội,O=Sở Y tế,T=Giám đốc,CN=Nguyễn Văn An ${n},UID=CCCD:001203004${n}`,
        signer: new LocalSigner(k),
        subjectAltName: [{ type: 'email', value: `an${n}@example.vn` }],
      });
      const f = path.join(tmp, `req${i}.pem`);
      writeFileSync(f, pemEncode('CERTIFICATE REQUEST', csr.der));
      csrs.push(f);
    }
    const run = (i) => {
      const t = performance.now();
      const res = spawnTimed(kyso, [
        'cert',
        'issue',
        '--profile',
        'person-signing',
        '--ca-cert',
        path.join(tmp, 'ca.pem'),
        '--ca-key',
        path.join(tmp, 'ca.key.pem'),
        '--csr',
        csrs[i],
        '--crl-url',
        'http://ca.example.vn/i.crl',
        '--ocsp-url',
        'http://ocsp.example.vn',
        '--policy',
        '1.3.6.1.4.1.99999.1.1',
        '--out',
        path.join(tmp, `cert${i}.pem`),
      ]);
      return { wallMs: performance.now() - t, cpuMs: res.cpuMs };
    };
    run(RUNS); // warm the file cache
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(run(i));
    // The certificate a run wrote is real: OpenSSL reads it.
    execFileSync('openssl', ['x509', '-in', path.join(tmp, 'cert0.pem'), '-noout'], { stdio: 'ignore' });
    // What the gate costs in a fresh process, cold (median of fresh processes).
    const gate = [];
    for (let i = 0; i < RUNS; i++) {
      const o = execFileSync(process.execPath, [path.join(root, 'bench/support/lint-cold.mjs'), tmp], {
        cwd: root,
        encoding: 'utf8',
      });
      gate.push(JSON.parse(o.trim().split('\n').pop()));
    }
    const cpu = median(runs.map((r) => r.cpuMs));
    const wall = median(runs.map((r) => r.wallMs));
    const gateCpu = median(gate.map((g) => g.cpuMs));
    const gateWall = median(gate.map((g) => g.wallMs));
    return [
      {
        name: '`kyso cert issue --csr` (a new process per certificate), lint before issue on',
        value: cpu,
        unit: 'ms CPU/op',
        baseline: 'the same run without the gate (derived: minus its cold cost)',
        baselineValue: cpu - gateCpu,
        ratio: cpu / (cpu - gateCpu),
        goal: '< 1.10 (lint adds < 10 %)',
        met: cpu / (cpu - gateCpu) < 1.1,
        notes: `median of ${RUNS} runs (CPU of the process, user + system); median wall ${wall.toFixed(0)} ms; the gate cold in a fresh process: ${gateCpu.toFixed(2)} ms CPU, ${gateWall.toFixed(2)} ms wall (median of ${RUNS} processes: one issuance with lint: false, then the first lintBeforeIssue timed)`,
      },
    ];
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Spawns `node script args` and returns its CPU time (ms, user + system) from /usr/bin/time. */
function spawnTimed(script, args) {
  const r = spawnSync('/usr/bin/time', ['-f', 'KYSO_TIME %U %S', process.execPath, script, ...args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`kyso ${args.slice(0, 2).join(' ')} failed: ${r.stderr.slice(-2000)}`);
  const m = /KYSO_TIME ([\d.]+) ([\d.]+)/.exec(r.stderr);
  if (!m) throw new Error(`no timing from /usr/bin/time: ${r.stderr.slice(-2000)}`);
  return { cpuMs: (Number(m[1]) + Number(m[2])) * 1000 };
}

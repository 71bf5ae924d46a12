/**
 * CSC signHash over HTTP, end to end, against a bare signing endpoint and raw `crypto.sign`; plus
 * OCSP responses and TSA tokens per second against the raw signature they need.
 *
 * - kyso: the built server (packages/signing-server/bin/kyso-server.js) as its own process on
 *   PostgreSQL (127.0.0.1:5432, database `test`, a fresh schema dropped at the end): bearer token,
 *   per-client and per-credential rate limits (set high, still checked), credential and
 *   certificate checks, the single-use SAD consumed by a conditional UPDATE and the audit record
 *   appended to the hash chain in the same transaction.
 * - bare: bench/support/bare-sign-server.mjs, a Hono endpoint with the same body and the same
 *   vault code path (SoftwareVault.signDigest on the same stored key) and nothing else.
 * - raw: `crypto.sign` in this process with a key of the same type (one core, no HTTP).
 * - Load: autocannon in its own process (bench/support/loadgen.mjs) on loopback. Each timed kyso
 *   request carries its own SAD, authorised beforehand (PIN + TOTP, numSignatures = hashes per
 *   request) and fed to the load generator as a request list; the run fails if any response is
 *   not 200. Rounds alternate kyso / bare / raw; medians are reported.
 * Values are µs per signature (1e6 / signatures per second); ratio = kyso / baseline (lower is
 * better), so "at least 50 % of the baseline's throughput" is ratio <= 2.00 and 85 % is <= 1.18.
 */
import crypto from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { URI } from 'otpauth';
import {
  benchSchema,
  median,
  procCpuMs,
  QUICK,
  report,
  root,
  runLoadgen,
  startChild,
  startKyso,
  statCpuMs,
  stopChildren,
} from './lib.mjs';

/**
 * KYSO_BENCH_BACKEND=pglite (bench/signhash-pglite.bench.mjs): the kyso server on the embedded
 * PGlite database `npm start` uses by default (no DATABASE_URL). The bare endpoint then signs with
 * keys of the same type made by the same SoftwareVault (a PGlite database cannot be read from
 * outside the server process), and PostgreSQL CPU is not measured (PGlite runs inside kyso).
 */
const PGLITE = process.env.KYSO_BENCH_BACKEND === 'pglite';
const ROUNDS = QUICK ? 1 : 3;
const ROUND_SECONDS = QUICK ? 1.5 : 5;
const OTP_WINDOW = 100; // KYSO_OTP_WINDOW maximum: about 190 codes per subscriber at a time
const SHA256_OID = '2.16.840.1.101.3.4.2.1';
const SIGN_ALGO = { p256: '1.2.840.10045.2.1', rsa: '1.2.840.113549.1.1.1' };
const KEY = { p256: { type: 'EC', curve: 'P-256' }, rsa: { type: 'RSA', modulusLength: 2048 } };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kyso-bench-signhash-'));

// --- processes ----------------------------------------------------------------------------------

/** Monotonic clock in µs: the clock V8's CPU profiles count in (CLOCK_MONOTONIC on Linux). */
const monoUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * KYSO_BENCH_PROFILE: the timed rounds' time windows per server process, written next to the
 * profiles (windows-<pid>.json), so that bench/support/profile-summary.mjs --windows can leave out
 * start-up, SAD authorisation and warm-up.
 */
const windows = new Map();
function profileWindow(pid, label, from) {
  const prof = process.env.KYSO_BENCH_PROFILE;
  if (!prof) return;
  const w = windows.get(pid) ?? [];
  w.push({ label, from, to: monoUs() });
  windows.set(pid, w);
  writeFileSync(path.join(prof, `windows-${pid}.json`), JSON.stringify(w));
}

/** CPU time (ms) per `postgres` process on the machine (the cluster the bench uses), by pid. */
function postgresCpu() {
  const m = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (!f.includes('(postgres)')) continue;
      m.set(d, statCpuMs(f));
    } catch {
      // the process ended
    }
  }
  return m;
}

/** PostgreSQL CPU (ms) spent between two snapshots (processes that ended in between are lost). */
function postgresCpuSince(before) {
  let t = 0;
  for (const [pid, ms] of postgresCpu()) t += ms - (before.get(pid) ?? 0);
  return t;
}

/** Posts each body once (bench/support/loadgen.mjs); rejects unless every answer is 200. */
async function runLoad(url, headers, bodies, connections) {
  const r = await runLoadgen('loadgen.mjs', { url, headers, bodies, connections });
  if (r.ok !== bodies.length)
    throw new Error(
      `load run against ${url}: ${r.ok}/${bodies.length} answered 200 (${JSON.stringify(r.statuses)}, errors ${r.errors}, timeouts ${r.timeouts}); first other body: ${r.sample}`,
    );
  return r;
}

// --- HTTP helpers ---------------------------------------------------------------------------------

async function api(base, method, p, { token, json, form } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(json);
  }
  if (form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  const r = await fetch(base + p, { method, headers, body });
  const text = await r.text();
  const parsed = text ? JSON.parse(text) : {};
  return { status: r.status, body: parsed };
}

function must(r, status, what) {
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

class Otp {
  constructor(uri) {
    this.totp = URI.parse(uri);
    this.counter = Math.floor(Date.now() / 30_000) - OTP_WINDOW + 3;
  }
  get left() {
    return Math.floor(Date.now() / 30_000) + OTP_WINDOW - 3 - this.counter;
  }
  next() {
    // Codes planned long ago fall out of the server's window as time passes: skip past them.
    this.counter = Math.max(this.counter, Math.floor(Date.now() / 30_000) - OTP_WINDOW + 2);
    this.counter++;
    return this.totp.generate({ timestamp: this.counter * 30_000 });
  }
}

const randomHashes = (n) => Array.from({ length: n }, () => crypto.randomBytes(32).toString('base64'));

// --- main ----------------------------------------------------------------------------------------

async function main() {
  const pgdb = PGLITE ? undefined : await benchSchema();
  const db = pgdb?.db;
  const schema = pgdb?.schema;
  const kek = crypto.randomBytes(32).toString('base64');
  const dataDir = path.join(tmp, 'data');
  const results = [];
  try {
    const kyso = await startKyso({
      ...pgdb?.env,
      KYSO_DATA_DIR: dataDir,
      KYSO_KEK: kek,
      LOG_LEVEL: process.env.KYSO_BENCH_LOG_LEVEL ?? 'info',
      KYSO_OTP_WINDOW: String(OTP_WINDOW),
      KYSO_SAD_LIFETIME_SECONDS: '3600',
      KYSO_ARGON2_MEMORY_KIB: '4096',
      KYSO_ARGON2_ITERATIONS: '1',
      KYSO_RATE_CLIENT_PER_MINUTE: '1000000',
      KYSO_RATE_CREDENTIAL_PER_MINUTE: '1000000',
    });
    const { url, operatorKey } = kyso;
    console.log(`kyso server ${url} (${PGLITE ? 'PGlite' : `schema ${schema}`})`);

    // One relying-party client, credentials added as the SAD pool needs them (each subscriber's
    // TOTP codes are single-use, so one subscriber can authorise about 190 SADs at a time).
    const client = must(
      await api(url, 'POST', '/admin/clients', { token: operatorKey, json: { name: 'bench portal' } }),
      201,
      'client',
    );
    const tok = must(
      await api(url, 'POST', '/csc/v2/oauth2/token', {
        form: {
          grant_type: 'client_credentials',
          client_id: client.clientId,
          client_secret: client.clientSecret,
        },
      }),
      200,
      'token',
    ).access_token;
    const creds = { p256: [], rsa: [] };
    let nSub = 0;
    async function addCredential(kind) {
      const sub = must(
        await api(url, 'POST', '/admin/subscribers', {
          token: operatorKey,
          json: {
            kind: 'citizen',
            name: `Bench ${++nSub}`,
            cccd: `0792000${String(10000 + nSub).slice(-5)}`,
            pin: '246810',
            province: 'Thành phố Hồ Chí Minh',
          },
        }),
        201,
        'subscriber',
      );
      const cred = must(
        await api(url, 'POST', '/admin/credentials', {
          token: operatorKey,
          json: { subscriberId: sub.id, key: KEY[kind], description: 'bench' },
        }),
        201,
        'credential',
      );
      must(
        await api(url, 'POST', `/admin/clients/${client.clientId}/grants`, {
          token: operatorKey,
          json: { credentialId: cred.credentialId },
        }),
        201,
        'grant',
      );
      const c = { id: cred.credentialId, otp: new Otp(sub.otpauthUri), cert: cred.certificate };
      creds[kind].push(c);
      return c;
    }

    /** Authorises `count` SADs of `n` hashes each; returns signHash bodies. */
    async function sadPool(kind, count, n) {
      const perCred = () => creds[kind].reduce((s, c) => s + Math.max(0, c.otp.left), 0);
      while (perCred() < count) await addCredential(kind);
      const bodies = [];
      const t0 = Date.now();
      await Promise.all(
        creds[kind].map(async (c) => {
          while (bodies.length < count && c.otp.left > 0) {
            const hashes = randomHashes(n);
            const slot = bodies.length;
            bodies.push(null);
            const code = c.otp.next();
            const rr = await api(url, 'POST', '/csc/v2/credentials/authorize', {
              token: tok,
              json: {
                credentialID: c.id,
                numSignatures: n,
                hashes,
                hashAlgorithmOID: SHA256_OID,
                authData: [
                  { id: 'PIN', value: '246810' },
                  { id: 'OTP', value: code },
                ],
              },
            });
            if (rr.status !== 200)
              console.error(
                `authorize refused for bench credential ${creds[kind].indexOf(c)}: TOTP counter ${c.otp.counter} now ${Math.floor(Date.now() / 30_000)} left ${c.otp.left}`,
              );
            const r = must(rr, 200, 'authorize');
            bodies[slot] = JSON.stringify({
              credentialID: c.id,
              SAD: r.SAD,
              hashes,
              hashAlgorithmOID: SHA256_OID,
              signAlgo: SIGN_ALGO[kind],
            });
          }
        }),
      );
      console.log(
        `  ${count} SADs of ${n} hash(es) authorised in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
      return bodies;
    }
    for (const kind of ['p256', 'rsa']) await addCredential(kind);

    // The bare endpoint signs with the very same stored keys (rows copied from the database).
    const keyRows = PGLITE
      ? await sameTypeKeys(kek, creds)
      : await db.query(
          `SELECT c.id AS cred, k.id, k.vault, k.spec, encode(k.spki, 'base64') AS spki, k.blob FROM ${schema}.credentials c JOIN ${schema}.vault_keys k ON k.id = c.key_id`,
        );
    const keysFile = path.join(tmp, 'bare-keys.json');
    writeFileSync(
      keysFile,
      JSON.stringify(
        Object.fromEntries(
          keyRows.rows.map((r) => [
            r.cred,
            { id: r.id, vault: r.vault, spec: r.spec, spki: r.spki, blob: r.blob },
          ]),
        ),
      ),
    );
    const bare = await startChild(
      process.execPath,
      [path.join(root, 'bench/support/bare-sign-server.mjs')],
      { KYSO_KEK: kek, BARE_KEYS: keysFile },
      /"url":"(http:\/\/[^"]+)"/,
    );
    const bareUrl = `${bare.match[1]}/sign`;
    const signUrl = `${url}/csc/v2/signatures/signHash`;
    const auth = { authorization: `Bearer ${tok}` };

    // Correctness first: one signature from each endpoint verifies with node:crypto against the certificate.
    for (const kind of ['p256', 'rsa']) {
      const c = creds[kind][0];
      const msg = crypto.randomBytes(100);
      const h = crypto.createHash('sha256').update(msg).digest('base64');
      const sad = must(
        await api(url, 'POST', '/csc/v2/credentials/authorize', {
          token: tok,
          json: {
            credentialID: c.id,
            numSignatures: 1,
            hashes: [h],
            hashAlgorithmOID: SHA256_OID,
            authData: [
              { id: 'PIN', value: '246810' },
              { id: 'OTP', value: c.otp.next() },
            ],
          },
        }),
        200,
        'authorize',
      ).SAD;
      const req = {
        credentialID: c.id,
        SAD: sad,
        hashes: [h],
        hashAlgorithmOID: SHA256_OID,
        signAlgo: SIGN_ALGO[kind],
      };
      const a = must(
        await api(url, 'POST', '/csc/v2/signatures/signHash', { token: tok, json: req }),
        200,
        'signHash',
      ).signatures[0];
      const b = must(await api(bare.match[1], 'POST', '/sign', { json: req }), 200, 'bare sign')
        .signatures[0];
      const pub = new crypto.X509Certificate(c.cert).publicKey;
      const barePub = PGLITE
        ? crypto.createPublicKey({
            key: Buffer.from(keyRows.rows.find((k) => k.cred === c.id).spki, 'base64'),
            format: 'der',
            type: 'spki',
          })
        : pub;
      for (const [s, key] of [
        [a, pub],
        [b, barePub],
      ])
        if (!crypto.verify('sha256', msg, key, Buffer.from(s, 'base64')))
          throw new Error(`${kind}: a signature does not verify`);
    }
    console.log('signatures from kyso and from the bare endpoint verify with node:crypto');

    const rawKeys = {
      p256: crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
      rsa: crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
    };
    /** Raw crypto.sign throughput (signatures/s) for about `seconds`. */
    function rawRate(kind, seconds) {
      const key = rawKeys[kind];
      const data = crypto.randomBytes(32);
      const t0 = performance.now();
      let n = 0;
      while (performance.now() - t0 < seconds * 1000) {
        for (let i = 0; i < 10; i++) crypto.sign('sha256', data, key);
        n += 10;
      }
      return n / ((performance.now() - t0) / 1000);
    }

    const cases = [
      {
        kind: 'p256',
        n: 1,
        label: 'P-256',
        conns: 16,
        goalBase: 'bare',
        goalRatio: 2.0,
        goal: '>= 50 % of bare endpoint (ratio <= 2.00)',
      },
      {
        kind: 'rsa',
        n: 1,
        label: 'RSA-2048',
        conns: 16,
        goalBase: 'bare',
        goalRatio: 1 / 0.85,
        goal: '>= 85 % of bare endpoint (ratio <= 1.18)',
      },
      {
        kind: 'p256',
        n: 50,
        label: 'P-256',
        conns: 4,
        goalBase: 'raw',
        goalRatio: 1 / 0.85,
        goal: '>= 85 % of raw crypto.sign (ratio <= 1.18)',
      },
      {
        kind: 'rsa',
        n: 50,
        label: 'RSA-2048',
        conns: 4,
        goalBase: 'raw',
        goalRatio: 1 / 0.85,
        goal: '>= 85 % of raw crypto.sign (ratio <= 1.18)',
      },
    ];
    let signedTotal = 0;
    let requestsTotal = 0;
    // KYSO_BENCH_CASES=p256-1,rsa-50: only these cases (profiling, quick looks).
    const only = process.env.KYSO_BENCH_CASES?.split(',');
    for (const cs of cases) {
      if (only && !only.includes(`${cs.kind}-${cs.n}`)) continue;
      const name = `signHash ${cs.label} x${cs.n}${PGLITE ? ' (PGlite)' : ''}`;
      console.log(`\n${name}`);
      const bareBodies = (count) =>
        Array.from({ length: count }, () =>
          JSON.stringify({
            credentialID: creds[cs.kind][0].id,
            SAD: 'x'.repeat(43),
            hashes: randomHashes(cs.n),
            hashAlgorithmOID: SHA256_OID,
            signAlgo: SIGN_ALGO[cs.kind],
          }),
        );
      // Size the rounds from a short bare run (kyso is at most as fast).
      const cal = await runLoad(bareUrl, {}, bareBodies(cs.n === 1 ? 300 : 12), cs.conns);
      const bareReqRate = cal.ok / cal.seconds;
      const count = Math.max(
        cs.n === 1 ? 100 : 8,
        // PGlite answers an order of magnitude slower than the bare endpoint: fewer requests (and
        // SADs to authorise) per round.
        Math.min(
          cs.n === 1 ? (PGLITE ? 300 : 8000) : PGLITE ? 20 : 300,
          Math.round(bareReqRate * ROUND_SECONDS),
        ),
      );
      const warm = Math.max(cs.conns * 2, Math.round(count / 5));
      const pool = await sadPool(cs.kind, warm + ROUNDS * count, cs.n);
      await runLoad(signUrl, auth, pool.slice(0, warm), cs.conns); // warm-up
      const k = [];
      const b = [];
      const r = [];
      const lat = [];
      /** CPU µs per request, per round: kyso process, PostgreSQL, bare process, load generators. */
      const cpu = { kyso: [], pg: [], bare: [], loadK: [], loadB: [] };
      for (let i = 0; i < ROUNDS; i++) {
        const kc0 = procCpuMs(kyso.child.pid);
        const pg0 = PGLITE ? undefined : postgresCpu();
        const kt0 = monoUs();
        const kr = await runLoad(
          signUrl,
          auth,
          pool.slice(warm + i * count, warm + (i + 1) * count),
          cs.conns,
        );
        profileWindow(kyso.child.pid, name, kt0);
        cpu.kyso.push((1000 * (procCpuMs(kyso.child.pid) - kc0)) / kr.ok);
        cpu.pg.push(PGLITE ? 0 : (1000 * postgresCpuSince(pg0)) / kr.ok);
        cpu.loadK.push((1000 * kr.cpuMs) / kr.ok);
        k.push((kr.ok * cs.n) / kr.seconds);
        lat.push(kr.latencyP50);
        requestsTotal += kr.ok;
        signedTotal += kr.ok * cs.n;
        const bc0 = procCpuMs(bare.child.pid);
        const bt0 = monoUs();
        const br = await runLoad(bareUrl, {}, bareBodies(count), cs.conns);
        profileWindow(bare.child.pid, name, bt0);
        cpu.bare.push((1000 * (procCpuMs(bare.child.pid) - bc0)) / br.ok);
        cpu.loadB.push((1000 * br.cpuMs) / br.ok);
        b.push((br.ok * cs.n) / br.seconds);
        r.push(rawRate(cs.kind, Math.min(2, ROUND_SECONDS / 2)));
        console.log(
          `  round ${i + 1}: kyso ${k.at(-1).toFixed(0)} sig/s, bare ${b.at(-1).toFixed(0)} sig/s, raw crypto.sign ${r.at(-1).toFixed(0)} sig/s (${count} requests, ${cs.conns} connections); CPU µs/request: kyso ${cpu.kyso.at(-1).toFixed(0)} + PostgreSQL ${cpu.pg.at(-1).toFixed(0)} + loadgen ${cpu.loadK.at(-1).toFixed(0)}, bare ${cpu.bare.at(-1).toFixed(0)} + loadgen ${cpu.loadB.at(-1).toFixed(0)}`,
        );
      }
      const K = median(k);
      const B = median(b);
      const R = median(r);
      const us = (rate) => 1e6 / rate;
      const row = (baseline, baseRate, withGoal) => {
        const ratio = us(K) / us(baseRate);
        const out = {
          name,
          value: us(K),
          unit: 'µs/signature',
          baseline,
          baselineValue: us(baseRate),
          ratio,
          notes: `${K.toFixed(0)} vs ${baseRate.toFixed(0)} signatures/s = ${((100 * K) / baseRate).toFixed(0)} %; ${count} requests x ${ROUNDS} rounds, ${cs.conns} connections, kyso p50 latency ${median(lat)} ms; CPU per request (median): kyso process ${median(cpu.kyso).toFixed(0)} µs + PostgreSQL ${median(cpu.pg).toFixed(0)} µs + load generator ${median(cpu.loadK).toFixed(0)} µs, bare process ${median(cpu.bare).toFixed(0)} µs + load generator ${median(cpu.loadB).toFixed(0)} µs`,
          samples: { kyso: k, baseline: baseline.startsWith('bare') ? b : r },
        };
        if (withGoal) {
          out.goal = cs.goal;
          out.met = ratio <= cs.goalRatio;
        }
        return out;
      };
      results.push(row(`bare Hono endpoint, same vault code (x${cs.n})`, B, cs.goalBase === 'bare'));
      results.push(row('raw crypto.sign, one core', R, cs.goalBase === 'raw'));
    }

    // Every signature the clients received has its audit record, and the chain verifies.
    // PGlite: the database is inside the server; the chain's row count stands in for the count.
    const audited = PGLITE
      ? undefined
      : await db.query(
          `SELECT count(*)::int AS n FROM ${schema}.audit_log WHERE action = 'signature.create'`,
        );
    const verify = must(
      await api(url, 'GET', '/admin/audit/verify', { token: operatorKey }),
      200,
      'audit verify',
    );
    // 2 correctness-check signatures, plus the warm-up runs.
    console.log(
      `\naudit: ${audited ? audited.rows[0].n : 'n/a'} signature records for ${requestsTotal} timed requests (+ warm-ups and 2 checks); chain ok=${verify.ok} rows=${verify.rows}`,
    );
    if (!verify.ok || (audited ? audited.rows[0].n : verify.rows) < requestsTotal + 2)
      throw new Error('audit records missing or chain broken');

    if (!PGLITE) results.push(...(await pkiServices()));
    void signedTotal;
  } finally {
    await stopChildren();
    await pgdb?.drop();
    rmSync(tmp, { recursive: true, force: true });
  }
  report(results);
}

/** PGlite: keys of the same type as each credential's, made by the same SoftwareVault and KEK. */
async function sameTypeKeys(kek, creds) {
  const { SoftwareVault } = await import('../packages/signing-server/dist/index.js');
  const vault = new SoftwareVault(new Uint8Array(Buffer.from(kek, 'base64')), { signWorkers: 0 });
  const rows = [];
  for (const kind of ['p256', 'rsa'])
    for (const c of creds[kind]) {
      const k = await vault.generate(`bare-${c.id}`, KEY[kind]);
      rows.push({
        cred: c.id,
        id: k.id,
        vault: k.vault,
        spec: k.spec,
        spki: Buffer.from(k.spki).toString('base64'),
        blob: k.blob,
      });
    }
  await vault.close();
  return { rows };
}

// --- OCSP responder and TSA (pki-core, in process) -------------------------------------------------

async function pkiServices() {
  const { compare } = await import('./lib.mjs');
  const pki = await import('../packages/pki-core/dist/index.js');
  const dir = path.join(root, 'certs/demo/ecdsa');
  const cert = (f) =>
    pki.Certificate.fromDer(pki.pemDecode(readFileSync(path.join(dir, f), 'utf8'), 'CERTIFICATE').der);
  const keyPem = (f) => readFileSync(path.join(dir, f), 'utf8');
  const issuing = cert('issuing.pem');
  const ocspCert = cert('ocsp-signer.pem');
  const tsaCert = cert('tsa.pem');
  const ocspSigner = new pki.LocalSigner(await pki.importPrivateKey(keyPem('ocsp-signer.key.pem')), [
    ocspCert.der,
  ]);
  const tsaSigner = new pki.LocalSigner(await pki.importPrivateKey(keyPem('tsa.key.pem')), [tsaCert.der]);
  const responder = new pki.OcspResponder({
    issuer: issuing,
    signer: ocspSigner,
    lookup: async () => ({ status: 'good' }),
  });
  const tsa = new pki.TimeStampAuthority({
    certificate: tsaCert,
    chain: [issuing],
    signer: tsaSigner,
    policyOid: '1.3.6.1.4.1.99999.1.1',
  });
  const certId = await pki.createCertId(cert('citizen.pem'), issuing, 'SHA-256');
  const ocspReq = () => pki.buildOcspRequest({ certIds: [certId], nonce: true }).der;
  const tsReq = async () =>
    (
      await pki.buildTimeStampReq({
        digest: crypto.randomBytes(32),
        hashAlgorithm: 'SHA-256',
        certReq: true,
        nonce: true,
      })
    ).der;
  // Sanity: real answers.
  const or = pki.parseOcspResponse(await responder.respond(ocspReq()));
  if (or.status !== 'successful') throw new Error(`OCSP responder answered ${or.status}`);
  const tr = pki.parseTimeStampResp(await tsa.respond(await tsReq()));
  if (!tr.token) throw new Error('TSA gave no token');
  // Raw signature cost: node:crypto over the same key, and the WebCrypto signer the services use.
  const ocspKey = crypto.createPrivateKey(keyPem('ocsp-signer.key.pem'));
  const tsaKey = crypto.createPrivateKey(keyPem('tsa.key.pem'));
  const data = crypto.randomBytes(300);
  const out = [];
  const reqs = Array.from({ length: 64 }, ocspReq);
  let i = 0;
  out.push(
    await compare({
      name: 'OCSP response (P-256 delegated responder, nonce, 1 CertID)',
      fn: () => responder.respond(reqs[i++ & 63]),
      baseline: {
        name: 'raw crypto.sign with the responder key',
        fn: () => crypto.sign('sha256', data, ocspKey),
      },
      notes: 'in process; parse request, look up, build and sign BasicOCSPResponse (WebCrypto)',
    }),
  );
  const tsReqs = await Promise.all(Array.from({ length: 64 }, tsReq));
  out.push(
    await compare({
      name: 'TSA token (P-256, certReq, nonce)',
      fn: () => tsa.respond(tsReqs[i++ & 63]),
      baseline: { name: 'raw crypto.sign with the TSA key', fn: () => crypto.sign('sha256', data, tsaKey) },
      notes:
        'in process; parse TimeStampReq, TSTInfo, CMS SignedData with signed attributes (WebCrypto); no database serial',
    }),
  );
  out.push(
    await compare({
      name: 'WebCrypto P-256 sign (the signer OCSP/TSA use)',
      fn: () => ocspSigner.sign(data),
      baseline: { name: 'raw crypto.sign', fn: () => crypto.sign('sha256', data, ocspKey) },
    }),
  );
  for (const r of out.slice(0, 2))
    r.notes += `; ${(1e6 / r.value).toFixed(0)} per second vs ${(1e6 / r.baselineValue).toFixed(0)} raw signatures per second`;
  return out;
}

await main();

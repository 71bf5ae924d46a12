/**
 * Pre-produced OCSP over HTTP (issue 21): GET responses per second from the kyso server against a
 * bare Node endpoint returning the same bytes, and against `openssl ocsp -index … -port` as the
 * responder for the same CA and the same request.
 *
 * - kyso: the built server (packages/signing-server/bin/kyso-server.js) as its own process on
 *   PostgreSQL (127.0.0.1:5432, database `test`, a fresh schema dropped at the end), its demo CA
 *   made in the data directory; the request is a nonce-less GET (SHA-1 CertID, as `openssl ocsp`
 *   sends it) for the demo citizen certificate, answered from the pre-produced response with the
 *   RFC 5019 § 6.2 caching headers. Two kyso processes on the same database: the default
 *   (KYSO_OCSP_MEMORY_CACHE_MS=1000, an answer kept in memory for a second) and one with the
 *   memory cache off (one PostgreSQL read per request).
 * - bare: bench/support/bare-bytes-server.mjs, node:http answering the very bytes and headers kyso
 *   sent, nothing else.
 * - openssl: `openssl ocsp -index index.txt -port … -rsigner ocsp-signer.pem -CA issuing.pem`,
 *   the same delegated responder key, signing every response (OpenSSL's responder has no
 *   pre-production), one process, one request per connection (it closes each).
 * - Load: autocannon in its own process (bench/support/getload.mjs), 10 connections, the same GET
 *   URL path; every body must be 200 with the expected length. Rounds alternate the servers;
 *   medians are reported. Values are µs per response (1e6 / responses per second); ratio = kyso /
 *   baseline (lower is better), so "at least 50 % of the baseline's responses per second" is
 *   ratio <= 2.00.
 */
import { execFileSync } from 'node:child_process';
import crypto, { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  benchSchema,
  median,
  QUICK,
  report,
  root,
  runLoadgen,
  startChild,
  startKyso,
  stopChildren,
} from './lib.mjs';

const ROUNDS = QUICK ? 1 : 3;
const ROUND_SECONDS = QUICK ? 1.5 : 4;
const CONNECTIONS = 10;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kyso-bench-ocsp-http-'));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

/** GETs `url` for ROUND_SECONDS (bench/support/getload.mjs); every answer 200 of the expected length. */
async function runLoad(url, expectLength) {
  const r = await runLoadgen('getload.mjs', {
    url,
    connections: CONNECTIONS,
    seconds: ROUND_SECONDS,
    expectLength,
  });
  const other = Object.entries(r.statuses).filter(([s]) => s !== '200');
  if (other.length || r.wrongLength || !r.statuses[200])
    throw new Error(`load run against ${url}: ${JSON.stringify(r)}`);
  return r;
}

/** `openssl ocsp -respin` over a response: must verify and say good. */
function checkResponse(der, dir) {
  const f = path.join(tmp, `resp-${crypto.randomBytes(4).toString('hex')}.der`);
  writeFileSync(f, der);
  const out = execFileSync(
    'openssl',
    [
      'ocsp',
      '-respin',
      f,
      '-issuer',
      path.join(dir, 'issuing.pem'),
      '-cert',
      path.join(dir, 'citizen.pem'),
      '-CAfile',
      path.join(dir, 'chain.pem'),
      '-no_nonce',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (!/citizen\.pem: good/.test(out)) throw new Error(`unexpected OCSP answer: ${out}`);
}

/** openssl CA database line (index.txt) for a valid certificate. */
function indexLine(pemFile) {
  const x = new X509Certificate(readFileSync(pemFile));
  const d = new Date(x.validTo);
  const p = (n) => String(n).padStart(2, '0');
  const t = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  const subject = `/${x.subject.split('\n').join('/')}`;
  return `V\t${t}\t\t${x.serialNumber.toUpperCase()}\tunknown\t${subject}\n`;
}

async function main() {
  const pgdb = await benchSchema();
  const env = {
    ...pgdb.env,
    KYSO_DATA_DIR: path.join(tmp, 'data'),
    KYSO_KEK: crypto.randomBytes(32).toString('base64'),
  };
  const results = [];
  try {
    const kyso = await startKyso(env);
    console.log(`kyso server ${kyso.url} (schema ${pgdb.schema})`);
    const kysoNoMem = await startKyso({ ...env, KYSO_OCSP_MEMORY_CACHE_MS: '0' });
    const urlA = kyso.url;
    console.log(`kyso server without memory cache ${kysoNoMem.url}`);
    const urlB = kysoNoMem.url;
    const dir = path.join(env.KYSO_DATA_DIR, 'demo-ca', 'ecdsa');
    writeFileSync(
      path.join(tmp, 'chain.pem'),
      readFileSync(path.join(dir, 'issuing.pem'), 'utf8') + readFileSync(path.join(dir, 'root.pem'), 'utf8'),
    );
    const caDir = tmp;
    for (const f of ['issuing.pem', 'citizen.pem'])
      writeFileSync(path.join(caDir, f), readFileSync(path.join(dir, f)));

    // The request: what `openssl ocsp` sends without a nonce (SHA-1 CertID).
    const reqFile = path.join(tmp, 'req.der');
    execFileSync('openssl', [
      'ocsp',
      '-issuer',
      path.join(dir, 'issuing.pem'),
      '-cert',
      path.join(dir, 'citizen.pem'),
      '-no_nonce',
      '-reqout',
      reqFile,
    ]);
    const getPath = `/pki/ocsp/${encodeURIComponent(readFileSync(reqFile).toString('base64'))}`;

    // The pre-produced response and its headers (produced by the job or on the first GET).
    const first = await fetch(urlA + getPath);
    if (!first.headers.get('etag')) throw new Error(`kyso answered without caching headers`);
    const der = new Uint8Array(await first.arrayBuffer());
    checkResponse(der, caDir);
    const second = new Uint8Array(await (await fetch(urlB + getPath)).arrayBuffer());
    if (!Buffer.from(second).equals(Buffer.from(der)))
      throw new Error('the two kyso processes answer differently');
    const headers = {};
    for (const h of ['content-type', 'cache-control', 'last-modified', 'expires', 'etag'])
      headers[h] = first.headers.get(h);
    writeFileSync(path.join(tmp, 'resp.der'), der);
    writeFileSync(path.join(tmp, 'headers.json'), JSON.stringify(headers));
    const bare = await startChild(
      process.execPath,
      [
        path.join(root, 'bench/support/bare-bytes-server.mjs'),
        path.join(tmp, 'resp.der'),
        path.join(tmp, 'headers.json'),
      ],
      {},
      /listening (http:\/\/\S+)/,
    );
    const urlBare = bare.match[1];

    // openssl ocsp as the responder for the same CA, with the same delegated responder key.
    writeFileSync(path.join(tmp, 'index.txt'), indexLine(path.join(dir, 'citizen.pem')));
    writeFileSync(path.join(tmp, 'index.txt.attr'), 'unique_subject = no\n');
    const port = await freePort();
    // Started like the servers above (ready when it says so): a probe connection that sends
    // nothing would hold the single-threaded responder.
    await startChild(
      'openssl',
      [
        'ocsp',
        '-index',
        path.join(tmp, 'index.txt'),
        '-port',
        String(port),
        '-rsigner',
        path.join(dir, 'ocsp-signer.pem'),
        '-rkey',
        path.join(dir, 'ocsp-signer.key.pem'),
        '-CA',
        path.join(dir, 'issuing.pem'),
        '-ndays',
        '3',
        // One request at a time: a connection the load generator opened but never used (at
        // the end of a run) would hold it forever without a read timeout.
        '-timeout',
        '1',
      ],
      {},
      /waiting for OCSP client connections/,
    );
    const urlOssl = `http://127.0.0.1:${port}`;
    // openssl's responder takes the request as the whole path (no /pki/ocsp prefix).
    const osslPath = getPath.slice('/pki/ocsp'.length);
    const osslDer = new Uint8Array(await (await fetch(urlOssl + osslPath)).arrayBuffer());
    checkResponse(osslDer, caDir);

    // Warm-up, then alternating rounds.
    const targets = [
      { key: 'kyso', url: urlA + getPath, len: der.length },
      { key: 'kysoNoMem', url: urlB + getPath, len: der.length },
      { key: 'bare', url: urlBare + getPath, len: der.length },
      { key: 'openssl', url: urlOssl + osslPath, len: osslDer.length },
    ];
    for (const t of targets) await runLoad(t.url, t.len);
    const rates = Object.fromEntries(targets.map((t) => [t.key, []]));
    const p99 = Object.fromEntries(targets.map((t) => [t.key, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const t of targets) {
        const res = await runLoad(t.url, t.len);
        rates[t.key].push(res.perSecond);
        p99[t.key].push(res.latencyP99);
        console.log(`  round ${r + 1} ${t.key}: ${res.perSecond.toFixed(0)}/s (p99 ${res.latencyP99} ms)`);
      }
    }
    const rate = (k) => median(rates[k]);
    const us = (k) => 1e6 / rate(k);
    const row = (name, k, baseK, baseName, goal, goalRatio, notes) => {
      const ratio = us(k) / us(baseK);
      return {
        name,
        value: us(k),
        unit: 'µs/response',
        baseline: baseName,
        baselineValue: us(baseK),
        ratio,
        goal,
        met: ratio <= goalRatio,
        notes: `${rate(k).toFixed(0)} vs ${rate(baseK).toFixed(0)} responses/s = ${((100 * rate(k)) / rate(baseK)).toFixed(0)} %; p99 ${median(p99[k])} vs ${median(p99[baseK])} ms; ${notes}`,
      };
    };
    const bareName = 'bare node:http endpoint, same bytes and headers';
    const osslName = 'openssl ocsp -index -port, same CA and responder key';
    results.push(
      row(
        'OCSP GET, pre-produced, over HTTP (kyso, PostgreSQL, default 1 s memory cache)',
        'kyso',
        'bare',
        bareName,
        '≥ 50 % of bare (ratio ≤ 2)',
        2,
        `${CONNECTIONS} connections, keep-alive; nonce-less SHA-1 CertID GET with RFC 5019 caching headers`,
      ),
      row(
        'OCSP GET, pre-produced, over HTTP (kyso, memory cache off: one PostgreSQL read per request)',
        'kysoNoMem',
        'bare',
        bareName,
        '≥ 50 % of bare (ratio ≤ 2)',
        2,
        'KYSO_OCSP_MEMORY_CACHE_MS=0',
      ),
      row(
        'OCSP GET, pre-produced, over HTTP (kyso, default) vs openssl ocsp responder',
        'kyso',
        'openssl',
        osslName,
        'at least openssl ocsp’s rate (ratio ≤ 1)',
        1,
        'openssl signs every response and closes each connection; one process each',
      ),
    );
  } finally {
    await stopChildren();
    await pgdb.drop();
    rmSync(tmp, { recursive: true, force: true });
  }
  report(results);
}

await main();

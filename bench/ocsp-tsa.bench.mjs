/**
 * OCSP responder and RFC 3161 TSA, in process (issue 21): an OCSP response with a nonce and one
 * CertID (delegated responder, lookup answering from memory) and a TSA token (certReq, nonce,
 * random serial), each against raw `crypto.sign` with the same key in the same run, for the demo
 * PKI's P-256 and RSA-2048 keys (certs/demo). Goal: each at most 3x the raw signature.
 *
 * The pki-core signers run on the node:crypto fast path (crypto/native-sign.ts); the same services
 * with `setNativeSign(false)` (WebCrypto, the browser path and what ran before) are measured in the
 * same run for comparison. Needs `npm run build` (imports packages/pki-core/dist).
 */
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUICK, compare, report } from './lib.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pki = await import(new URL('../packages/pki-core/dist/index.js', import.meta.url).href);

const GOAL = 3;
const POLICY = '1.3.6.1.4.1.99999.1.1';

async function setup(kind) {
  const dir = path.join(root, 'certs/demo', kind);
  const pem = (f) => readFileSync(path.join(dir, f), 'utf8');
  const cert = (f) => pki.Certificate.fromDer(pki.pemDecode(pem(f), 'CERTIFICATE').der);
  const issuing = cert('issuing.pem');
  const ocspCert = cert('ocsp-signer.pem');
  const tsaCert = cert('tsa.pem');
  const ocspSigner = new pki.LocalSigner(await pki.importPrivateKey(pem('ocsp-signer.key.pem')), [
    ocspCert.der,
  ]);
  const tsaSigner = new pki.LocalSigner(await pki.importPrivateKey(pem('tsa.key.pem')), [tsaCert.der]);
  const responder = new pki.OcspResponder({
    issuer: issuing,
    signer: ocspSigner,
    lookup: async () => ({ status: 'good' }),
  });
  const tsa = new pki.TimeStampAuthority({
    certificate: tsaCert,
    chain: [issuing],
    signer: tsaSigner,
    policyOid: POLICY,
  });
  const certId = await pki.createCertId(cert('citizen.pem'), issuing, 'SHA-256');
  const ocspReqs = Array.from(
    { length: 64 },
    () => pki.buildOcspRequest({ certIds: [certId], nonce: true }).der,
  );
  const tsReqs = await Promise.all(
    Array.from(
      { length: 64 },
      async () =>
        (
          await pki.buildTimeStampReq({
            digest: crypto.randomBytes(32),
            hashAlgorithm: 'SHA-256',
            certReq: true,
            nonce: true,
          })
        ).der,
    ),
  );
  // Real answers on both backends, or the figures mean nothing.
  for (const native of [true, false]) {
    const was = pki.setNativeSign(native);
    try {
      const or = pki.parseOcspResponse(await responder.respond(ocspReqs[0]));
      if (or.status !== 'successful') throw new Error(`${kind}: OCSP responder answered ${or.status}`);
      const tr = pki.parseTimeStampResp(await tsa.respond(tsReqs[0]));
      if (!tr.token) throw new Error(`${kind}: TSA gave no token`);
    } finally {
      pki.setNativeSign(was);
    }
  }
  return {
    responder,
    tsa,
    ocspReqs,
    tsReqs,
    ocspKey: crypto.createPrivateKey(pem('ocsp-signer.key.pem')),
    tsaKey: crypto.createPrivateKey(pem('tsa.key.pem')),
  };
}

/**
 * CPU time per operation (process.cpuUsage, this thread's work plus any thread-pool work) of `fn`
 * against `base`, alternating rounds; median ratio. Less disturbed than wall time when other
 * processes load the machine (both are reported).
 */
async function cpuRatio(fn, base, n = QUICK ? 200 : 1000, rounds = QUICK ? 3 : 7) {
  const cpu = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const ratios = [];
  for (let r = 0; r < rounds; r++) {
    let c = cpu();
    for (let i = 0; i < n; i++) await fn();
    const a = cpu() - c;
    c = cpu();
    for (let i = 0; i < n; i++) base();
    ratios.push(a / (cpu() - c));
  }
  ratios.sort((x, y) => x - y);
  return ratios[ratios.length >> 1];
}

const results = [];
const data = crypto.randomBytes(300); // about a tbsResponseData / signed attributes
for (const [kind, label] of [
  ['ecdsa', 'P-256'],
  ['rsa', 'RSA-2048'],
]) {
  const s = await setup(kind);
  let i = 0;
  const rawOcsp = {
    name: 'raw crypto.sign with the responder key',
    fn: () => crypto.sign('sha256', data, s.ocspKey),
  };
  const rawTsa = {
    name: 'raw crypto.sign with the TSA key',
    fn: () => crypto.sign('sha256', data, s.tsaKey),
  };
  for (const native of [true, false]) {
    const was = pki.setNativeSign(native);
    const backend = native ? 'node:crypto' : 'WebCrypto';
    try {
      const ocspFn = () => s.responder.respond(s.ocspReqs[i++ & 63]);
      const tsaFn = () => s.tsa.respond(s.tsReqs[i++ & 63]);
      results.push(
        await compare({
          name: `OCSP response, ${label} delegated responder, nonce, 1 CertID (${backend})`,
          fn: ocspFn,
          baseline: rawOcsp,
          ...(native ? { goal: `≤ ${GOAL}x raw crypto.sign`, goalRatio: GOAL } : {}),
          notes: `in process: parse request, look up (memory), build and sign BasicOCSPResponse; signer on ${backend}`,
        }),
        await compare({
          name: `TSA token, ${label}, certReq, nonce (${backend})`,
          fn: tsaFn,
          baseline: rawTsa,
          ...(native ? { goal: `≤ ${GOAL}x raw crypto.sign`, goalRatio: GOAL } : {}),
          notes: `in process: parse TimeStampReq, TSTInfo, CMS SignedData with signed attributes; random serial, no database; signer on ${backend}`,
        }),
      );
      const [o, t] = results.slice(-2);
      o.cpuRatio = await cpuRatio(ocspFn, rawOcsp.fn);
      t.cpuRatio = await cpuRatio(tsaFn, rawTsa.fn);
    } finally {
      pki.setNativeSign(was);
    }
  }
}
for (const r of results)
  r.notes += `; ${(1e6 / r.value).toFixed(0)}/s vs ${(1e6 / r.baselineValue).toFixed(0)} raw signatures/s; CPU-time ratio ${r.cpuRatio.toFixed(2)}`;
report(results);

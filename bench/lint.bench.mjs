/**
 * Lint before issue: what linting the TBSCertificate adds to issuing a certificate. One issuance is
 * what `kyso cert issue --csr` and the signing server do: parse a PKCS#10 CSR, check its proof of
 * possession, issue by the person-signing profile (subject with UID=CCCD and T=, SAN e-mail, CRL /
 * OCSP URLs, policy). It runs with the gate (the default) and with `lint: false`, in alternating
 * batches whose order flips every round; ratio = with / without. Measured in process CPU time
 * (user + system, all threads) and the fastest round kept: the bench machines are shared, other
 * processes only add time to a round, and CPU time is what the gate costs. CA keys:
 * P-256, Ed25519, RSA-2048 and RSA-4096 (the NEAC roots and the licensed CAs in vn-roots are all
 * RSA; P-256 and Ed25519 sign fastest, so there the gate weighs most).
 * Then, as a CA issues (bench/support/lint-ca.mjs): the signing server's issuing endpoint with the
 * gate on and off (KYSO_LINT_BEFORE_ISSUE; needs PostgreSQL at 127.0.0.1:5432) and `kyso cert issue`
 * as a user runs it. KYSO_BENCH_LINT_CA=0 skips those.
 * Needs `npm run build` (imports packages/pki-core/dist).
 */
import { QUICK, report } from './lib.mjs';
import { cliRows, serverRows } from './support/lint-ca.mjs';

const dist = new URL('../packages/pki-core/dist/index.js', import.meta.url);
const { CertificationRequest, LocalSigner, createCsr, generateKeyPair, issueCertificate, lint } =
  await import(dist.href);

const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
// The fastest round: other processes on a shared machine only ever add time to a round.
const best = (xs) => Math.min(...xs);
async function batch(fn, n) {
  const t = cpuUs();
  for (let i = 0; i < n; i++) await fn();
  return (cpuUs() - t) / n;
}

const ROUNDS = QUICK ? 5 : 15;
/** Distinct certificate requests (keys, subjects, e-mails) the in-process issuances cycle through: more than the linter keeps of anything seen (a CA never sees one key twice). */
const POOL = 512;
const results = [];
for (const spec of [
  { type: 'EC', curve: 'P-256' },
  { type: 'Ed25519' },
  { type: 'RSA', modulusLength: 2048 },
  { type: 'RSA', modulusLength: 4096 },
]) {
  const label =
    spec.type === 'EC' ? 'P-256' : spec.type === 'Ed25519' ? 'Ed25519' : `RSA-${spec.modulusLength}`;
  const per = spec.modulusLength === 4096 ? (QUICK ? 5 : 20) : QUICK ? 30 : 100;
  const caKey = await generateKeyPair(spec);
  const caSigner = new LocalSigner(caKey);
  const root = await issueCertificate({
    profile: 'root-ca',
    subject: 'C=VN,O=Kyso Bench,CN=Kyso Bench Root',
    publicKey: caKey.publicKeyInfo,
    signer: caSigner,
  });
  // A CA issues for many subscribers: each op takes the next of POOL requests, each with its own key,
  // subject (name, CCCD) and SAN e-mail, so nothing per-subscriber is the same from one op to the next
  // (the linter's caches keyed by exact bytes only hit on what the CA's issuances really share).
  const pool = [];
  for (let i = 0; i < POOL; i++) {
    const leafKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const n = String(i).padStart(3, '0');
    const csrDer = (
      await createCsr({
        subject: `C=VN,ST=Hà Nội,O=Sở Y tế,T=Giám đốc,CN=Nguyễn Văn An ${n},UID=CCCD:001203004${n}`,
        signer: new LocalSigner(leafKey),
      })
    ).der;
    pool.push({ csrDer, email: `an${n}@example.vn` });
  }
  let next = 0;
  // What `kyso cert issue --csr` and the server do: parse the CSR, check proof of possession, issue.
  const issue = async (lintOpt) => {
    const req = pool[next++ % POOL];
    const csr = CertificationRequest.parse(req.csrDer);
    await csr.assertProofOfPossession();
    return issueCertificate(input(csr, req.email, lintOpt));
  };
  const input = (csr, email, lintOpt) => ({
    profile: 'person-signing',
    subject: csr.subject,
    publicKey: csr.publicKey,
    issuer: { certificate: root, signer: caSigner },
    subjectAltName: [{ type: 'email', value: email }],
    crlUrls: ['http://ca.example.vn/i.crl'],
    ocspUrls: ['http://ocsp.example.vn'],
    policies: [{ oid: '1.3.6.1.4.1.99999.1.1' }],
    ...(lintOpt === undefined ? {} : { lint: lintOpt }),
  });
  const withLint = () => issue();
  const without = () => issue(false);
  const samples = [];
  for (let i = 0; i < POOL; i++) samples.push((await withLint()).tbs);
  const sample = await withLint();
  let nextTbs = 0;
  const lintAlone = () => lint(samples[nextTbs++ % POOL], { kind: 'tbsCertificate', profile: 'official' });
  for (let i = 0; i < 3; i++) {
    await batch(withLint, per);
    await batch(without, per);
    await batch(lintAlone, per * 5);
  }
  const a = [];
  const b = [];
  const l = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2) {
      b.push(await batch(without, per));
      a.push(await batch(withLint, per));
    } else {
      a.push(await batch(withLint, per));
      b.push(await batch(without, per));
    }
    l.push(await batch(lintAlone, per * 5));
  }
  const value = best(a);
  const baselineValue = best(b);
  const lints = lint(sample).results.filter((r) => r.status !== 'na').length;
  results.push({
    name: `issueCertificate with lint before issue, ${label} CA key`,
    value,
    unit: 'µs CPU/op',
    baseline: 'issueCertificate, lint: false',
    baselineValue,
    ratio: value / baselineValue,
    goal: '< 1.10 (lint adds < 10 %)',
    met: value / baselineValue < 1.1,
    notes: `${lints} applicable lints on the TBSCertificate; fastest of ${ROUNDS} alternating rounds of ${per}; each op parses one of ${POOL} distinct CSRs (own key, subject, e-mail), checks its signature and issues`,
  });
  results.push({
    name: `  of which: the linter alone on the TBSCertificate (${label})`,
    value: best(l),
    unit: 'µs CPU/op',
    baseline: 'issueCertificate, lint: false',
    baselineValue,
    ratio: best(l) / baselineValue,
    notes: `lenient parse + DER checks, typed extensions, every lint of the official profile; cycling through ${POOL} issued TBSCertificates`,
  });
}
if (process.env.KYSO_BENCH_LINT_CA !== '0') {
  results.push(...(await serverRows({ quick: QUICK })));
  results.push(...(await cliRows({ quick: QUICK, dist })));
}
report(results);

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
 * Needs `npm run build` (imports packages/pki-core/dist).
 */
import { QUICK, report } from './lib.mjs';

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
  const leafKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const csrDer = (
    await createCsr({
      subject: 'C=VN,ST=Hà Nội,O=Sở Y tế,T=Giám đốc,CN=Nguyễn Văn An,UID=CCCD:001203004567',
      signer: new LocalSigner(leafKey),
    })
  ).der;
  // What `kyso cert issue --csr` and the server do: parse the CSR, check proof of possession, issue.
  const issue = async (lintOpt) => {
    const csr = CertificationRequest.parse(csrDer);
    await csr.assertProofOfPossession();
    return issueCertificate(input(csr, lintOpt));
  };
  const input = (csr, lintOpt) => ({
    profile: 'person-signing',
    subject: csr.subject,
    publicKey: csr.publicKey,
    issuer: { certificate: root, signer: caSigner },
    subjectAltName: [{ type: 'email', value: 'an@example.vn' }],
    crlUrls: ['http://ca.example.vn/i.crl'],
    ocspUrls: ['http://ocsp.example.vn'],
    policies: [{ oid: '1.3.6.1.4.1.99999.1.1' }],
    ...(lintOpt === undefined ? {} : { lint: lintOpt }),
  });
  const withLint = () => issue();
  const without = () => issue(false);
  const sample = await withLint();
  const lintAlone = () => lint(sample.tbs, { kind: 'tbsCertificate', profile: 'official' });
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
    notes: `${lints} applicable lints on the TBSCertificate; fastest of ${ROUNDS} alternating rounds of ${per}; each op parses the CSR, checks its signature and issues`,
  });
  results.push({
    name: `  of which: the linter alone on the TBSCertificate (${label})`,
    value: best(l),
    unit: 'µs CPU/op',
    baseline: 'issueCertificate, lint: false',
    baselineValue,
    ratio: best(l) / baselineValue,
    notes: 'lenient parse + DER checks, typed extensions, every lint of the official profile',
  });
}
report(results);

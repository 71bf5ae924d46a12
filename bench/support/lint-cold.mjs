#!/usr/bin/env node
/**
 * What lint before issue costs in a fresh process (bench/support/lint-ca.mjs, the `kyso cert issue`
 * row): the CA files and a request the bench wrote into DIR are read, one certificate is issued with
 * `lint: false` (issuance code warmed as far as one CLI run warms it), then the first
 * lintBeforeIssue call on a second TBSCertificate is timed (lint code cold, as in a CLI run; its
 * modules are loaded by the pki-core import either way). Prints { cpuMs, wallMs }.
 *
 *   node bench/support/lint-cold.mjs DIR
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
const dist = new URL('../../packages/pki-core/dist/index.js', import.meta.url);
const {
  CertificationRequest,
  Certificate,
  LocalSigner,
  importPrivateKey,
  issueCertificate,
  lintBeforeIssue,
} = await import(dist.href);
const ca = Certificate.parse(readFileSync(path.join(dir, 'ca.pem')));
const signer = new LocalSigner(await importPrivateKey(readFileSync(path.join(dir, 'ca.key.pem'))));
let tbs;
for (const req of ['req0.pem', 'req1.pem']) {
  const csr = CertificationRequest.parse(readFileSync(path.join(dir, req)));
  await csr.assertProofOfPossession();
  const c = await issueCertificate({
    profile: 'person-signing',
    subject: csr.subject,
    publicKey: csr.publicKey,
    issuer: { certificate: ca, signer },
    subjectAltName: csr.subjectAltName,
    crlUrls: ['http://ca.example.vn/i.crl'],
    ocspUrls: ['http://ocsp.example.vn'],
    policies: [{ oid: '1.3.6.1.4.1.99999.1.1' }],
    lint: false,
  });
  tbs = c.tbs;
}
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const c0 = cpu();
const t0 = performance.now();
lintBeforeIssue(tbs, 'official', { warnings: 'refuse' });
const wallMs = performance.now() - t0;
console.log(JSON.stringify({ cpuMs: (cpu() - c0) / 1000, wallMs }));

/**
 * An offline test PKI built with pki-core: root CA -> issuing CA -> signers (RSA official, EC
 * agency seal), a TSA, a delegated OCSP responder and a CRL. Gives in-process `TimeStamper` and
 * `RevocationDataFetcher` implementations, so PAdES B-T..B-LTA tests need no network.
 * TEST KEYS ONLY.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  type Certificate,
  type KeySpec,
  LocalSigner,
  Name,
  OcspResponder,
  TimeStampAuthority,
  type TimeStamper,
  buildTimeStampReq,
  generateKeyPair,
  issueCertificate,
  issueCrl,
  parseTimeStampResp,
  pemEncode,
  exportPkcs8Pem,
  exportPkcs8,
  exportPkcs12,
} from '@kyso/pki-core';
import type { RevocationDataFetcher } from '../../src/sign/validation-data.js';

export interface PdfTestPki {
  root: Certificate;
  issuing: Certificate;
  official: LocalSigner;
  officialCert: Certificate;
  seal: LocalSigner;
  sealCert: Certificate;
  tsaCert: Certificate;
  timeStamper: TimeStamper;
  revocation: RevocationDataFetcher;
  crl: Uint8Array;
  /** Counts of OCSP/CRL requests served. */
  stats: { ocsp: number; crl: number; tsa: number };
  /** Writes root.pem, official.p12 (password 'test'), official.key/crt/chain PEM files into dir. */
  writeFiles(
    dir: string,
  ): Promise<{ root: string; p12: string; password: string; key: string; cert: string; chain: string }>;
}

const DAY = 86_400_000;
const subj = (cn: string, o = 'Kyso PDF Test (TEST ONLY)') =>
  Name.fromAttributes([
    ['C', 'VN'],
    ['O', o],
    ['CN', cn],
  ]);

export async function makePdfTestPki(opts: { leafSpec?: KeySpec } = {}): Promise<PdfTestPki> {
  const now = new Date();
  const nb = new Date(now.getTime() - 30 * DAY);
  const rootKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const rootSigner = new LocalSigner(rootKey);
  const root = await issueCertificate({
    profile: 'root-ca',
    subject: subj('Kyso PDF Test Root'),
    publicKey: rootKey.publicKeyInfo,
    signer: rootSigner,
    notBefore: nb,
    validityDays: 3650,
  });
  const issKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const issSigner = new LocalSigner(issKey);
  const issuing = await issueCertificate({
    profile: 'sub-ca',
    subject: subj('Kyso PDF Test Issuing CA'),
    publicKey: issKey.publicKeyInfo,
    issuer: { certificate: root, signer: rootSigner },
    notBefore: nb,
    validityDays: 3000,
  });
  const issuer = { certificate: issuing, signer: issSigner };
  const links = { ocspUrls: ['http://ocsp.test.invalid/'], crlUrls: ['http://crl.test.invalid/issuing.crl'] };
  const leaf = async (profile: 'person-signing' | 'organization-signing', cn: string, spec: KeySpec) => {
    const k = await generateKeyPair(spec);
    const c = await issueCertificate({
      profile,
      subject: subj(cn),
      publicKey: k.publicKeyInfo,
      issuer,
      notBefore: nb,
      validityDays: 365,
      ...links,
    });
    return { key: k, cert: c, signer: new LocalSigner(k, [c.der, issuing.der, root.der]) };
  };
  const official = await leaf(
    'person-signing',
    'Nguyễn Văn An',
    opts.leafSpec ?? { type: 'RSA', modulusLength: 2048 },
  );
  const seal = await leaf('organization-signing', 'Ủy ban nhân dân Phường Bến Nghé', {
    type: 'EC',
    curve: 'P-256',
  });
  const tsaKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const tsaCert = await issueCertificate({
    profile: 'tsa',
    subject: subj('Kyso PDF Test TSA'),
    publicKey: tsaKey.publicKeyInfo,
    issuer,
    notBefore: nb,
    validityDays: 365,
    ...links,
  });
  const tsa = new TimeStampAuthority({
    certificate: tsaCert,
    chain: [issuing, root],
    signer: new LocalSigner(tsaKey, [tsaCert.der]),
    policyOid: '1.3.6.1.4.1.99999.2.1',
    includeChain: true,
  });
  const ocspKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const ocspCert = await issueCertificate({
    profile: 'ocsp-signer',
    subject: subj('Kyso PDF Test OCSP'),
    publicKey: ocspKey.publicKeyInfo,
    issuer,
    notBefore: nb,
    validityDays: 365,
  });
  const responder = new OcspResponder({
    issuer: issuing,
    signer: new LocalSigner(ocspKey, [ocspCert.der]),
    lookup: async () => ({ status: 'good' }),
  });
  const crl = await issueCrl({
    issuer: root,
    signer: rootSigner,
    thisUpdate: nb,
    nextUpdate: new Date(now.getTime() + 30 * DAY),
    crlNumber: 1,
  });
  const stats = { ocsp: 0, crl: 0, tsa: 0 };
  const { createCertId, buildOcspRequest } = await import('@kyso/pki-core');
  const revocation: RevocationDataFetcher = {
    async ocsp(cert, iss) {
      if (!iss.subject.equals(issuing.subject)) return undefined;
      stats.ocsp++;
      return responder.respond(buildOcspRequest({ certIds: [await createCertId(cert, iss)] }).der);
    },
    async crls(_cert, iss) {
      if (!iss.subject.equals(root.subject)) return [];
      stats.crl++;
      return [crl.der];
    },
  };
  const timeStamper: TimeStamper = async (digest, hashAlgorithm) => {
    stats.tsa++;
    const { der } = await buildTimeStampReq({ digest, hashAlgorithm, certReq: true, nonce: true });
    const resp = parseTimeStampResp(await tsa.respond(der));
    if (!resp.token) throw new Error(`TSA refused: ${JSON.stringify(resp.status)}`);
    return resp.token;
  };
  return {
    root,
    issuing,
    official: official.signer,
    officialCert: official.cert,
    seal: seal.signer,
    sealCert: seal.cert,
    tsaCert,
    timeStamper,
    revocation,
    crl: crl.der,
    stats,
    async writeFiles(dir) {
      const f = (n: string) => path.join(dir, n);
      fs.writeFileSync(f('root.pem'), pemEncode('CERTIFICATE', root.der));
      fs.writeFileSync(f('official.key'), await exportPkcs8Pem(official.key));
      fs.writeFileSync(f('official.crt'), pemEncode('CERTIFICATE', official.cert.der));
      fs.writeFileSync(
        f('chain.pem'),
        pemEncode('CERTIFICATE', issuing.der) + pemEncode('CERTIFICATE', root.der),
      );
      const p12 = await exportPkcs12({
        privateKey: await exportPkcs8(official.key),
        certificates: [official.cert.der, issuing.der, root.der],
        password: 'test',
        iterations: 2048,
      });
      fs.writeFileSync(f('official.p12'), p12);
      fs.writeFileSync(f('password.txt'), 'test\n');
      return {
        root: f('root.pem'),
        p12: f('official.p12'),
        password: f('password.txt'),
        key: f('official.key'),
        cert: f('official.crt'),
        chain: f('chain.pem'),
      };
    },
  };
}

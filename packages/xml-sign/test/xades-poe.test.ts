/**
 * B-LTA past signature validation (EN 319 102-1, simplified): a passed archive time-stamp proves the
 * signature existed at its genTime, so a signing certificate that has expired since is validated at
 * that time. The scenario: a short-lived signer certificate (two days), a signature time-stamp from
 * a TSA outside the relying party's trust anchors (its chain ends at an unknown root: the verifier
 * reports it failed, so it proves nothing and the level stays B-B), CRLs (B-LT data), an archive
 * time-stamp from a trusted TSA; validated at a fixed clock 30 days later.
 */
import {
  type Certificate,
  LocalSigner,
  Name,
  TimeStampAuthority,
  type TimeStamper,
  TrustStore,
  buildTimeStampReq,
  generateKeyPair,
  issueCertificate,
  issueCrl,
  parseTimeStampResp,
} from '@kyso/pki-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  addXadesArchiveTimeStamp,
  addXadesSignatureTimeStamp,
  addXadesValidationData,
  renderXmlReport,
  signXml,
  verifyXml,
  xmlEtsiReport,
} from '../src/index.js';

const DAY = 86_400_000;
const DOC = '<?xml version="1.0" encoding="UTF-8"?>\n<ToKhai><NoiDung Id="nd">Tờ khai</NoiDung></ToKhai>';
const subj = (cn: string) =>
  Name.fromAttributes([
    ['C', 'VN'],
    ['O', 'Kyso POE Test (TEST ONLY)'],
    ['CN', cn],
  ]);

let trust: TrustStore;
let lt: Uint8Array;
let lta: Uint8Array;
let ltaUntrustedArchive: Uint8Array;
const now = new Date();
const later = new Date(now.getTime() + 30 * DAY);

async function ca(cn: string, parent?: { certificate: Certificate; signer: LocalSigner }) {
  const k = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const signer = new LocalSigner(k);
  const certificate = await issueCertificate({
    profile: parent ? 'sub-ca' : 'root-ca',
    subject: subj(cn),
    publicKey: k.publicKeyInfo,
    ...(parent ? { issuer: parent } : { signer }),
    notBefore: new Date(now.getTime() - 10 * DAY),
    validityDays: parent ? 3000 : 3650,
  });
  return { certificate, signer };
}

async function tsaUnder(issuer: { certificate: Certificate; signer: LocalSigner }, chain: Certificate[]) {
  const k = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const cert = await issueCertificate({
    profile: 'tsa',
    subject: subj(`TSA ${issuer.certificate.serialHex.slice(0, 8)}`),
    publicKey: k.publicKeyInfo,
    issuer,
    notBefore: new Date(now.getTime() - 10 * DAY),
    validityDays: 1000,
  });
  const tsa = new TimeStampAuthority({
    certificate: cert,
    chain,
    signer: new LocalSigner(k, [cert.der]),
    policyOid: '1.3.6.1.4.1.99999.3.1',
    includeChain: true,
  });
  const stamper: TimeStamper = async (digest, hashAlgorithm) => {
    const { der } = await buildTimeStampReq({ digest, hashAlgorithm, certReq: true });
    return parseTimeStampResp(await tsa.respond(der)).token!;
  };
  return stamper;
}

beforeAll(async () => {
  const root = await ca('Kyso POE Root');
  const issuing = await ca('Kyso POE Issuing CA', root);
  const foreignRoot = await ca('Foreign Root (not trusted)');
  trust = new TrustStore([root.certificate]);
  // The signer's certificate lives two days: valid now, expired at `later`.
  const k = await generateKeyPair({ type: 'RSA', modulusLength: 2048 });
  const leaf = await issueCertificate({
    profile: 'person-signing',
    subject: subj('Nguyễn Văn An'),
    publicKey: k.publicKeyInfo,
    issuer: issuing,
    notBefore: new Date(now.getTime() - DAY),
    validityDays: 2,
  });
  expect(leaf.notAfter.getTime()).toBeLessThan(later.getTime());
  const signer = new LocalSigner(k, [leaf.der, issuing.certificate.der, root.certificate.der]);
  const foreignStamper = await tsaUnder(foreignRoot, [foreignRoot.certificate]);
  const trustedStamper = await tsaUnder(issuing, [issuing.certificate, root.certificate]);
  const crl = async (iss: { certificate: Certificate; signer: LocalSigner }) =>
    (
      await issueCrl({
        issuer: iss.certificate,
        signer: iss.signer,
        thisUpdate: new Date(now.getTime() - 3_600_000),
        nextUpdate: new Date(now.getTime() + 60 * DAY),
        crlNumber: 1,
      })
    ).der;
  const bt = await addXadesSignatureTimeStamp(await signXml(DOC, signer, { xades: {} }), foreignStamper);
  lt = addXadesValidationData(bt, {
    certificates: signer.certificateChain,
    crls: [await crl(issuing), await crl(root)],
  });
  lta = await addXadesArchiveTimeStamp(lt, trustedStamper);
  ltaUntrustedArchive = await addXadesArchiveTimeStamp(lt, foreignStamper);
}, 120_000);

describe('B-LTA: the archive time-stamp as proof of existence', () => {
  it('today the B-LT signature is valid at the validation time (its signature time-stamp proves nothing)', async () => {
    const r = await verifyXml(lt, { trustStore: trust, validationTime: now });
    const s = r.signatures[0]!;
    expect(s.xades?.signatureTimeStamps[0]?.status).toBe('failed');
    expect(s.reasons).toEqual(['TIMESTAMP_INVALID']);
    expect(s.status).toBe('valid');
    expect(s.certificate.timeSource).toBe('validation-time');
  });

  it('30 days later the B-LT signature is not valid: its certificate has expired', async () => {
    const r = await verifyXml(lt, { trustStore: trust, validationTime: later });
    const s = r.signatures[0]!;
    expect(s.status).not.toBe('valid');
    expect(s.certificate.status).not.toBe('valid');
    expect(s.certificate.validatedAt).toBe(later.toISOString());
    expect(`${s.certificate.reason} ${s.certificate.detail}`).toMatch(/EXPIRED|expired/);
  });

  it('30 days later the archived signature is valid: the certificate is validated at the archive time-stamp', async () => {
    const r = await verifyXml(lta, { trustStore: trust, validationTime: later });
    const s = r.signatures[0]!;
    const ats = s.xades?.archiveTimeStamps[0];
    expect(ats?.status).toBe('passed');
    expect(s.reasons).toEqual(['TIMESTAMP_INVALID']);
    expect(s.status, JSON.stringify(s.certificate)).toBe('valid');
    expect(s.certificate.timeSource).toBe('archive-timestamp');
    expect(s.certificate.validatedAt).toBe(ats!.genTime!.toISOString());
    expect(renderXmlReport(r, 'en')).toContain(
      'validated at the time the archive time-stamp proves the signature existed',
    );
    // The ETSI report's best signature time is the archive time-stamp's.
    expect(xmlEtsiReport(r)).toContain(ats!.genTime!.toISOString().slice(0, 19));
  });

  it('an archive time-stamp the relying party does not trust is no proof: not valid 30 days later', async () => {
    const r = await verifyXml(ltaUntrustedArchive, { trustStore: trust, validationTime: later });
    const s = r.signatures[0]!;
    expect(s.xades?.archiveTimeStamps[0]?.status).toBe('failed');
    expect(s.certificate.timeSource).toBe('validation-time');
    expect(s.status).not.toBe('valid');
  });
});

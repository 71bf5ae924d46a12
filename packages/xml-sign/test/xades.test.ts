import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Certificate,
  LocalSigner,
  TimeStampAuthority,
  type TimeStamper,
  TrustStore,
  buildTimeStampReq,
  issueCrl,
  importPrivateKey,
  parseTimeStampResp,
} from '@kyso/pki-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../pki-core/test/helpers/tools.js';
import {
  addXadesSignatureTimeStamp,
  addXadesValidationData,
  findSignatures,
  parseXml,
  signXml,
  verifyXades,
  verifyXml,
  verifyXmlSignature,
  xmlSignatureVerdict,
  xmlVerdict,
} from '../src/index.js';

const DEMO = path.resolve(__dirname, '../../../certs/demo/rsa');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kyso-'));
const DOC = `<?xml version="1.0" encoding="UTF-8"?>\n<ToKhai><NoiDung Id="nd">Tờ khai thuế &amp; phụ lục</NoiDung></ToKhai>`;

let signer: LocalSigner;
let timeStamper: TimeStamper;
let trust: TrustStore;

beforeAll(async () => {
  const load = async (name: string) =>
    new LocalSigner(
      await importPrivateKey(readFileSync(path.join(DEMO, `${name}.key.pem`), 'utf8')),
      Certificate.parseAll(readFileSync(path.join(DEMO, `${name}.chain.pem`), 'utf8')).map((c) => c.der),
    );
  signer = await load('official');
  const tsaSigner = await load('tsa');
  const tsa = new TimeStampAuthority({
    certificate: Certificate.fromDer(tsaSigner.certificateChain[0]!),
    signer: tsaSigner,
    policyOid: '1.3.6.1.4.1.99999.7.1',
  });
  timeStamper = async (digest, hashAlgorithm) => {
    const req = await buildTimeStampReq({ digest, hashAlgorithm, certReq: true });
    return parseTimeStampResp(await tsa.respond(req.der)).token!;
  };
  trust = new TrustStore([Certificate.parse(readFileSync(path.join(DEMO, 'root.pem')))]);
});

function check(bytes: Uint8Array) {
  const doc = parseXml(bytes);
  const core = verifyXmlSignature(doc, findSignatures(doc)[0]!);
  return { core, xades: verifyXades(core, { trustStore: trust }) };
}

describe('XAdES baseline', () => {
  it('B-B: SignedProperties (SigningTime, SigningCertificateV2, DataObjectFormat) are signed and checked', async () => {
    const t = new Date('2026-12-07T08:00:00Z');
    for (const packaging of ['enveloped', 'enveloping'] as const) {
      const out = await signXml(DOC, signer, { packaging, xades: {}, signingTime: t });
      const { core, xades } = check(out);
      expect(core.valid, core.error?.message).toBe(true);
      const x = await xades;
      expect(x.level).toBe('B-B');
      expect(x.signingTime?.toISOString()).toBe(t.toISOString());
      expect(x.signingCertificateMatches).toBe(true);
      expect(x.dataObjectFormats).toEqual([{ objectReference: `#${core.id}-ref-0`, mimeType: 'text/xml' }]);
      // Changing the signing time breaks the SignedProperties reference.
      const forged = check(
        new TextEncoder().encode(new TextDecoder().decode(out).replace('2026-12-07T08', '2026-12-01T08')),
      );
      expect(forged.core.valid).toBe(false);
    }
  });

  it('B-T: a signature time-stamp is added without touching the signed bytes, and verified', async () => {
    const bb = await signXml(DOC, signer, { packaging: 'enveloped', xades: {} });
    const bt = await addXadesSignatureTimeStamp(bb, timeStamper);
    const before = new TextDecoder().decode(bb);
    const after = new TextDecoder().decode(bt);
    const cut = before.indexOf('</xades:QualifyingProperties>');
    expect(after.slice(0, cut)).toBe(before.slice(0, cut));
    const { core, xades } = check(bt);
    expect(core.valid).toBe(true);
    const x = await xades;
    expect(x.level).toBe('B-T');
    expect(x.signatureTimeStamps).toHaveLength(1);
    expect(x.signatureTimeStamps[0]!.status).toBe('passed');
    // A time-stamp over another SignatureValue does not count.
    const other = await addXadesSignatureTimeStamp(
      await signXml(DOC, signer, { packaging: 'enveloped', xades: {} }),
      timeStamper,
    );
    const token = /<xades:EncapsulatedTimeStamp>([^<]+)</.exec(new TextDecoder().decode(other))![1]!;
    const swapped = after.replace(
      /<xades:EncapsulatedTimeStamp>[^<]+</,
      `<xades:EncapsulatedTimeStamp>${token}<`,
    );
    const s = await check(new TextEncoder().encode(swapped)).xades;
    expect(s.signatureTimeStamps[0]!.status).toBe('failed');
    expect(s.level).toBe('B-B');
  });

  it('xmlsec1 verifies the XML-DSig core of a kyso XAdES B-T signature', async () => {
    if (!requireTool('xmlsec1')) return;
    const bt = await addXadesSignatureTimeStamp(
      await signXml(DOC, signer, { packaging: 'enveloped', xades: {} }),
      timeStamper,
    );
    const f = path.join(tmp, 'xades-bt.xml');
    writeFileSync(f, bt);
    const r = spawnSync(
      'xmlsec1',
      [
        'verify',
        '--trusted-pem',
        path.join(DEMO, 'root.pem'),
        '--untrusted-pem',
        path.join(DEMO, 'issuing.pem'),
        '--id-attr:Id',
        'http://uri.etsi.org/01903/v1.3.2#:SignedProperties',
        f,
      ],
      { encoding: 'utf8' },
    );
    expect(`${r.status} ${r.stderr}`).toMatch(/^0 OK/);
  });
});

describe('XAdES B-LT', () => {
  it('adds CertificateValues and RevocationValues after B-T; the report uses the embedded CRL', async () => {
    const bt = await addXadesSignatureTimeStamp(
      await signXml(DOC, signer, { packaging: 'enveloped', xades: {} }),
      timeStamper,
    );
    // A fresh CRL from the demo issuing CA (the committed one may be past its nextUpdate).
    const issuing = Certificate.parse(readFileSync(path.join(DEMO, 'issuing.pem')));
    const issuingKey = await importPrivateKey(readFileSync(path.join(DEMO, 'issuing.key.pem'), 'utf8'));
    const now = Date.now();
    const crl = (
      await issueCrl({
        issuer: issuing,
        signer: new LocalSigner(issuingKey, [issuing.der]),
        thisUpdate: new Date(now - 60_000),
        nextUpdate: new Date(now + 86_400_000),
        crlNumber: 7,
      })
    ).der;
    const lt = addXadesValidationData(bt, { certificates: signer.certificateChain, crls: [crl] });
    const before = new TextDecoder().decode(bt);
    const after = new TextDecoder().decode(lt);
    const cut = before.indexOf('</xades:UnsignedSignatureProperties>');
    expect(after.slice(0, cut)).toBe(before.slice(0, cut));
    const { core, xades } = check(lt);
    expect(core.valid).toBe(true);
    expect((await xades).level).toBe('B-LT');
    const report = await verifyXml(lt, { trustStore: trust, revocation: 'soft-fail' });
    const s = report.signatures[0]!;
    expect(s.level).toBe('B-LT');
    expect(s.certificate.timeSource).toBe('signature-timestamp');
    expect(s.certificate.revocation[0]).toMatchObject({ status: 'good', source: 'crl' });
    // The report carries the verdicts `kyso xml verify --json` prints (the one mapping).
    expect(report.status).toBe('valid');
    expect(report.verdict).toEqual({ indication: 'TOTAL-PASSED', reasons: [] });
    expect(s.verdict).toEqual({ indication: 'TOTAL-PASSED', reasons: [] });
    const tampered = await verifyXml(after.replace('phụ lục', 'phụ lục 2'), {
      trustStore: trust,
      revocation: 'soft-fail',
    });
    expect(tampered.status).toBe('invalid');
    expect(tampered.verdict.indication).toBe('TOTAL-FAILED');
    expect(tampered.verdict.subIndication).toBe('HASH_FAILURE');
    expect(tampered.signatures[0]!.verdict).toEqual(xmlSignatureVerdict(tampered.signatures[0]!));
    expect(tampered.verdict).toEqual(xmlVerdict(tampered));
  });
});

/**
 * XAdES B-LTA (ArchiveTimeStamp, v1.4.1 namespace) and counter-signatures: made by kyso, checked
 * by kyso, by OpenSSL (`openssl ts -verify` over the archive time-stamp's input) and by xmlsec1
 * (the XML-DSig core of the master and of the counter-signature after every upgrade).
 */
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
  DSIG_NS,
  MAX_ARCHIVE_TIMESTAMPS,
  XADES141_NS,
  XmlError,
  addXadesArchiveTimeStamp,
  addXadesSignatureTimeStamp,
  addXadesValidationData,
  archiveTimeStampInput,
  canonicalize,
  counterSignXml,
  decodeBase64Loose,
  findSignatures,
  firstChild,
  parseXml,
  qualifyingProperties,
  renderXmlReport,
  signXml,
  textOf,
  unsignedSignatureProperties,
  verifyXades,
  verifyXml,
  verifyXmlSignature,
} from '../src/index.js';

const DEMO = path.resolve(__dirname, '../../../certs/demo/rsa');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kyso-lta-'));
const DOC = `<?xml version="1.0" encoding="UTF-8"?>\n<ToKhai><NoiDung Id="nd">Tờ khai thuế &amp; phụ lục</NoiDung></ToKhai>`;
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

let signer: LocalSigner;
let citizen: LocalSigner;
let timeStamper: TimeStamper;
let trust: TrustStore;
let crl: Uint8Array;

beforeAll(async () => {
  const load = async (name: string) =>
    new LocalSigner(
      await importPrivateKey(readFileSync(path.join(DEMO, `${name}.key.pem`), 'utf8')),
      Certificate.parseAll(readFileSync(path.join(DEMO, `${name}.chain.pem`), 'utf8')).map((c) => c.der),
    );
  signer = await load('official');
  citizen = await load('citizen');
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
  const issuing = Certificate.parse(readFileSync(path.join(DEMO, 'issuing.pem')));
  const issuingKey = await importPrivateKey(readFileSync(path.join(DEMO, 'issuing.key.pem'), 'utf8'));
  crl = (
    await issueCrl({
      issuer: issuing,
      signer: new LocalSigner(issuingKey, [issuing.der]),
      thisUpdate: new Date(Date.now() - 60_000),
      nextUpdate: new Date(Date.now() + 86_400_000),
      crlNumber: 9,
    })
  ).der;
});

async function upToLta(packaging: 'enveloped' | 'enveloping' = 'enveloped') {
  const bb = await signXml(DOC, signer, { packaging, xades: {} });
  const bt = await addXadesSignatureTimeStamp(bb, timeStamper);
  const tsaChain = Certificate.parseAll(readFileSync(path.join(DEMO, 'tsa.chain.pem'), 'utf8')).map(
    (c) => c.der,
  );
  const lt = addXadesValidationData(bt, {
    certificates: [...signer.certificateChain, ...tsaChain],
    crls: [crl],
  });
  const lta = await addXadesArchiveTimeStamp(lt, timeStamper);
  return { bb, bt, lt, lta };
}

async function xades(bytes: Uint8Array) {
  const doc = parseXml(bytes);
  const core = verifyXmlSignature(doc, findSignatures(doc)[0]!);
  return { doc, core, x: await verifyXades(core, { trustStore: trust }) };
}

function xmlsec1(file: string, extra: string[] = []) {
  return spawnSync(
    'xmlsec1',
    [
      'verify',
      '--trusted-pem',
      path.join(DEMO, 'root.pem'),
      '--untrusted-pem',
      path.join(DEMO, 'issuing.pem'),
      '--id-attr:Id',
      'http://uri.etsi.org/01903/v1.3.2#:SignedProperties',
      '--id-attr:Id',
      `${DSIG_NS}:SignatureValue`,
      ...extra,
      file,
    ],
    { encoding: 'utf8' },
  );
}

describe('XAdES B-LTA', () => {
  it('B-B → B-T → B-LT → B-LTA adds only after what is signed and time-stamped; the level is B-LTA', async () => {
    for (const packaging of ['enveloped', 'enveloping'] as const) {
      const { bb, bt, lt, lta } = await upToLta(packaging);
      // Each step leaves every earlier byte before its insertion point unchanged.
      const steps = [bb, bt, lt, lta].map(dec);
      for (let i = 1; i < steps.length; i++) {
        const cut = steps[i - 1]!.lastIndexOf('</xades:UnsignedSignatureProperties>');
        const upTo = cut >= 0 ? cut : steps[i - 1]!.indexOf('</xades:QualifyingProperties>');
        expect(steps[i]!.slice(0, upTo)).toBe(steps[i - 1]!.slice(0, upTo));
      }
      expect(steps[3]).toContain(`<xades141:ArchiveTimeStamp xmlns:xades141="${XADES141_NS}"`);
      const { core, x } = await xades(lta);
      expect(core.valid, core.error?.message).toBe(true);
      expect(x.level).toBe('B-LTA');
      expect(x.archiveTimeStamps).toHaveLength(1);
      expect(x.archiveTimeStamps[0]).toMatchObject({
        status: 'passed',
        imprintIntact: true,
        signatureIntact: true,
        namespace: '1.4.1',
      });
      const report = await verifyXml(lta, { trustStore: trust, revocation: 'soft-fail' });
      expect(report.signatures[0]!.level).toBe('B-LTA');
      expect(report.signatures[0]!.reasons).not.toContain('ARCHIVE_TIMESTAMP_INVALID');
      expect(renderXmlReport(report, 'vi')).toContain('Dấu thời gian lưu trữ (B-LTA): 1, hợp lệ 1');
    }
  });

  it('a second archive time-stamp (renewal) covers the first; both verify', async () => {
    const { lta } = await upToLta();
    const renewed = await addXadesArchiveTimeStamp(lta, timeStamper);
    const { x } = await xades(renewed);
    expect(x.archiveTimeStamps.map((t) => t.status)).toEqual(['passed', 'passed']);
    expect(x.level).toBe('B-LTA');
  });

  it('archive time-stamps checked per signature are bounded (each re-reads the signed data)', async () => {
    let xml: Uint8Array = (await upToLta()).lta;
    for (let i = 0; i < MAX_ARCHIVE_TIMESTAMPS; i++) xml = await addXadesArchiveTimeStamp(xml, timeStamper);
    const { x } = await xades(xml);
    expect(x.archiveTimeStamps).toHaveLength(MAX_ARCHIVE_TIMESTAMPS);
    expect(x.archiveTimeStamps.every((t) => t.status === 'passed')).toBe(true);
    expect(x.problems.join(' ')).toMatch(/more than .* archive time-stamps/);
  });

  it('changing anything the archive time-stamp covers (not signed by the signature) breaks it', async () => {
    const { lta } = await upToLta();
    // Whitespace inside a base64 certificate of KeyInfo: the XML-DSig core stays valid (base64
    // ignores it), the archive time-stamp's input changes.
    const tampered = dec(lta).replace(/(<ds:X509Certificate>.{10})/, '$1\n');
    const { core, x } = await xades(new TextEncoder().encode(tampered));
    expect(core.valid).toBe(true);
    expect(x.archiveTimeStamps[0]).toMatchObject({
      status: 'failed',
      imprintIntact: false,
      signatureIntact: true,
    });
    expect(x.level).toBe('B-LT');
    const report = await verifyXml(tampered, { trustStore: trust, revocation: 'soft-fail' });
    expect(report.signatures[0]!.reasons).toContain('ARCHIVE_TIMESTAMP_INVALID');
  });

  it('openssl ts -verify accepts the archive and signature time-stamp tokens over the inputs kyso computes', async () => {
    if (!requireTool('openssl')) return;
    const { lta } = await upToLta();
    const doc = parseXml(lta);
    const sig = findSignatures(doc)[0]!;
    const usp = unsignedSignatureProperties(qualifyingProperties(sig)!)!;
    const ats = firstChild(usp, XADES141_NS, 'ArchiveTimeStamp')!;
    const token = decodeBase64Loose(
      textOf(firstChild(ats, 'http://uri.etsi.org/01903/v1.3.2#', 'EncapsulatedTimeStamp')!),
    );
    const data = archiveTimeStampInput(sig, ats, { method: '1.0', comments: false });
    const f = (n: string, b: Uint8Array | string) => {
      const p = path.join(tmp, n);
      writeFileSync(p, b);
      return p;
    };
    const atsFile = f('ats.tst', token);
    const args = (dataFile: string, tokenFile = atsFile) => [
      'ts',
      '-verify',
      '-token_in',
      '-in',
      tokenFile,
      '-data',
      dataFile,
      '-CAfile',
      path.join(DEMO, 'root.pem'),
      '-untrusted',
      path.join(DEMO, 'tsa.chain.pem'),
    ];
    const ok = spawnSync('openssl', args(f('ats.bin', data)), { encoding: 'utf8' });
    expect(ok.stdout + ok.stderr).toMatch(/Verification: OK/);
    // The signature time-stamp too: its imprint covers the canonical ds:SignatureValue element.
    const sts = firstChild(usp, 'http://uri.etsi.org/01903/v1.3.2#', 'SignatureTimeStamp')!;
    const stsToken = decodeBase64Loose(
      textOf(firstChild(sts, 'http://uri.etsi.org/01903/v1.3.2#', 'EncapsulatedTimeStamp')!),
    );
    const sv = canonicalize(firstChild(sig, DSIG_NS, 'SignatureValue')!, { method: '1.0', comments: false });
    const st = spawnSync('openssl', args(f('sv.bin', sv), f('sts.tst', stsToken)), { encoding: 'utf8' });
    expect(st.stdout + st.stderr).toMatch(/Verification: OK/);
    // One bit changed in the input: OpenSSL refuses the token.
    const bad = new Uint8Array(data);
    bad[bad.length - 1]! ^= 1;
    const ko = spawnSync('openssl', args(f('ats-bad.bin', bad)), { encoding: 'utf8' });
    expect(ko.stdout + ko.stderr).not.toMatch(/Verification: OK/);
  });

  it('xmlsec1 still verifies the XML-DSig core after the upgrade to B-LTA', async () => {
    if (!requireTool('xmlsec1')) return;
    const { lta } = await upToLta();
    const file = path.join(tmp, 'lta.xml');
    writeFileSync(file, lta);
    const r = xmlsec1(file);
    expect(`${r.status} ${r.stderr}`).toMatch(/^0 OK/);
  });
});

describe('XAdES counter-signatures', () => {
  it('counterSign adds a signature over the SignatureValue; both are reported, the master untouched', async () => {
    const bt = await addXadesSignatureTimeStamp(await signXml(DOC, signer, { xades: {} }), timeStamper);
    const cs = await counterSignXml(bt, citizen);
    const before = dec(bt);
    const cut = before.indexOf('</xades:UnsignedSignatureProperties>');
    expect(dec(cs).slice(0, cut)).toBe(before.slice(0, cut));
    const report = await verifyXml(cs, { trustStore: trust, revocation: 'off' });
    expect(report.signatures).toHaveLength(2);
    const [m, c] = report.signatures;
    expect(m!.integrity.status).toBe('passed');
    expect(m!.xades?.counterSignatures).toBe(1);
    expect(m!.level).toBe('B-T');
    expect(c!.integrity.status).toBe('passed');
    expect(c!.counterSignatureOf).toBe(0);
    expect(renderXmlReport(report, 'en')).toContain('Counter-signature of signature 1');
    expect(c!.xades?.counterSignatureOf).toMatchObject({ countersignedValueCovered: true });
    expect(c!.level).toBe('B-B');
    expect(c!.signer?.subject).toBe(Certificate.fromDer(citizen.certificateChain[0]!).subject.toString());
    expect(c!.status).toBe('valid');
    // The master's signature time-stamp still verifies (its SignatureValue is unchanged).
    expect(m!.xades?.signatureTimeStamps[0]?.status).toBe('passed');
  });

  it('a counter-signature moved to another signature does not count', async () => {
    const a = dec(await counterSignXml(await signXml(DOC, signer, { xades: {} }), citizen));
    const b = dec(await signXml(DOC, signer, { xades: {} }));
    // Take the counter-signature of `a` and graft it into `b`'s unsigned properties.
    const cs = /<xades:CounterSignature>.*<\/xades:CounterSignature>/.exec(a)![0];
    const grafted = b.replace(
      '</xades:QualifyingProperties>',
      `<xades:UnsignedProperties><xades:UnsignedSignatureProperties>${cs}</xades:UnsignedSignatureProperties></xades:UnsignedProperties></xades:QualifyingProperties>`,
    );
    const report = await verifyXml(grafted, { trustStore: trust, revocation: 'off' });
    const c = report.signatures[1]!;
    expect(c.counterSignatureOf).toBe(0);
    expect(c.status).toBe('invalid');
    expect(c.integrity.status).toBe('failed');
    expect(c.integrity.signatureValid).toBe(true);
    expect(report.signatures[0]!.integrity.status).toBe('passed');
  });

  it('refuses to countersign a SignatureValue without Id once a time-stamp covers it', async () => {
    const bb = dec(await signXml(DOC, signer, { xades: {} })).replace(/ Id="[^"]*-SignatureValue"/, '');
    const withoutId = await signXml(DOC, signer, { xades: {} });
    // Without a time-stamp the Id is added (nothing signed covers SignatureValue).
    const noIdNoTs = dec(withoutId).replace(/ Id="[^"]*-SignatureValue"/, '');
    const ok = await verifyXml(await counterSignXml(noIdNoTs, citizen), { revocation: 'off' });
    expect(ok.signatures.map((s) => s.integrity.status)).toEqual(['passed', 'passed']);
    const bt = await addXadesSignatureTimeStamp(bb, timeStamper);
    await expect(counterSignXml(bt, citizen)).rejects.toThrow(XmlError);
  });

  it('xmlsec1 verifies the master and the counter-signature of a countersigned B-LTA document', async () => {
    if (!requireTool('xmlsec1')) return;
    const bt = await addXadesSignatureTimeStamp(await signXml(DOC, signer, { xades: {} }), timeStamper);
    const cs = await counterSignXml(bt, citizen, { signatureId: 'CS-1' });
    const lta = await addXadesArchiveTimeStamp(
      addXadesValidationData(cs, { certificates: signer.certificateChain, crls: [crl] }),
      timeStamper,
    );
    expect((await xades(lta)).x.level).toBe('B-LTA');
    const file = path.join(tmp, 'cs.xml');
    writeFileSync(file, lta);
    const master = xmlsec1(file);
    expect(`${master.status} ${master.stderr}`).toMatch(/^0 OK/);
    const counter = xmlsec1(file, ['--id-attr:Id', `${DSIG_NS}:Signature`, '--node-id', 'CS-1']);
    expect(`${counter.status} ${counter.stderr}`).toMatch(/^0 OK/);
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Certificate,
  LocalSigner,
  type SignatureAlgorithm,
  buildCertificate,
  generateKeyPair,
  importPrivateKey,
  rsaPss,
} from '@kyso/pki-core';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../../pki-core/test/helpers/tools.js';
import {
  embedXmlSignature,
  findSignatures,
  parseXml,
  prepareXmlSignature,
  signPreparedXml,
  signXml,
  verifyXmlSignature,
} from '../src/index.js';

const DEMO = path.resolve(__dirname, '../../../certs/demo');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kyso-'));

async function demoSigner(kind: 'rsa' | 'ecdsa', algorithms?: SignatureAlgorithm[]): Promise<LocalSigner> {
  const key = await importPrivateKey(readFileSync(path.join(DEMO, kind, 'official.key.pem'), 'utf8'));
  const chain = Certificate.parseAll(readFileSync(path.join(DEMO, kind, 'official.chain.pem'), 'utf8')).map(
    (c) => c.der,
  );
  return new LocalSigner(key, chain, algorithms ? { algorithms } : {});
}

async function ed25519Signer(): Promise<LocalSigner> {
  const kp = await generateKeyPair({ type: 'Ed25519' });
  const bare = new LocalSigner(kp);
  const now = new Date();
  const cert = await buildCertificate({
    subject: 'CN=kyso Ed25519 test',
    issuer: 'CN=kyso Ed25519 test',
    publicKey: kp.publicKeyInfo,
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + 86_400_000),
    extensions: [],
    signer: bare,
  });
  return new LocalSigner(kp, [cert.der]);
}

const INVOICE = `<?xml version="1.0" encoding="UTF-8"?>
<HDon><DLHDon Id="Id-1"><TTChung><PBan>2.0.1</PBan><THDon>Hóa đơn giá trị gia tăng</THDon></TTChung><NDHDon><NBan><Ten>Công ty TNHH Kyso</Ten><MST>0102182292</MST></NBan></NDHDon></DLHDon><DSCKS><NBan/><NMua/></DSCKS></HDon>`;

function verifyOne(bytes: Uint8Array, opts: Parameters<typeof verifyXmlSignature>[2] = {}) {
  const doc = parseXml(bytes);
  const [sig] = findSignatures(doc);
  return verifyXmlSignature(doc, sig!, opts);
}

describe('sign and verify (kyso both ways)', () => {
  const cases: [string, () => Promise<LocalSigner>][] = [
    ['RSA PKCS#1 v1.5 SHA-256', () => demoSigner('rsa')],
    ['RSASSA-PSS SHA-256', () => demoSigner('rsa', [rsaPss('SHA-256')])],
    ['ECDSA P-256 SHA-256', () => demoSigner('ecdsa')],
    ['Ed25519', ed25519Signer],
  ];
  for (const [name, make] of cases) {
    it(`${name}: enveloped, enveloping, detached verify; a changed byte breaks them`, async () => {
      const signer = await make();
      for (const packaging of ['enveloped', 'enveloping'] as const) {
        const out = await signXml(INVOICE, signer, { packaging });
        const r = verifyOne(out);
        expect(r.valid, `${packaging}: ${r.error?.message}`).toBe(true);
        expect(r.warnings).toEqual([]);
        const tampered = new TextDecoder().decode(out).replace('Kyso', 'Kysq');
        expect(verifyOne(new TextEncoder().encode(tampered)).valid).toBe(false);
      }
      const data = new TextEncoder().encode('detached content\n');
      const out = await signXml(data, signer, { packaging: 'detached', detachedUri: 'data.txt' });
      expect(verifyOne(out, { resolveDetached: (u) => (u === 'data.txt' ? data : undefined) }).valid).toBe(
        true,
      );
      expect(verifyOne(out, { resolveDetached: () => new TextEncoder().encode('other') }).valid).toBe(false);
    });
  }

  it('two steps: prepare → sign the digest elsewhere → embed', async () => {
    const signer = await demoSigner('rsa');
    const prepared = prepareXmlSignature(INVOICE, {
      certificateChain: signer.certificateChain,
      algorithm: signer.algorithms[0]!,
    });
    // The prepared state is plain data (JSON round trip), as between a server and a phone.
    const wire = JSON.parse(
      JSON.stringify({ ...prepared, toBeSigned: [...prepared.toBeSigned], digest: [...prepared.digest] }),
    );
    const restored = {
      ...wire,
      toBeSigned: Uint8Array.from(wire.toBeSigned),
      digest: Uint8Array.from(wire.digest),
    };
    const value = await signPreparedXml(restored, signer);
    const r = verifyOne(embedXmlSignature(restored, value));
    expect(r.valid).toBe(true);
    expect(r.signedElements).toEqual([]);
    expect(r.coversWholeDocument).toBe(true);
  });

  it('never signs with SHA-1', async () => {
    const signer = await demoSigner('rsa');
    expect(() =>
      prepareXmlSignature(INVOICE, {
        certificateChain: signer.certificateChain,
        algorithm: { name: 'RSA-PKCS1', hash: 'SHA-1' },
      }),
    ).toThrow(/SHA-1/);
  });
});

describe('e-invoice profile (Circular 78 shape)', () => {
  it('signs DLHDon and the SigningTime object from DSCKS/NBan, and returns the signed nodes', async () => {
    const signer = await demoSigner('rsa');
    const out = await signXml(INVOICE, signer, {
      profile: 'einvoice',
      signingTime: new Date('2026-12-07T03:00:00Z'),
    });
    const text = new TextDecoder().decode(out);
    expect(text).toContain('<DSCKS><NBan><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"');
    expect(text).toContain('<SigningTime xmlns="">2026-12-07T10:00:00</SigningTime>');
    const r = verifyOne(out);
    expect(r.valid, r.error?.message).toBe(true);
    expect(r.canonicalizationMethod).toBe('http://www.w3.org/TR/2001/REC-xml-c14n-20010315');
    expect(r.signatureMethod).toBe('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256');
    expect(r.signedElements.map((e) => e.local)).toEqual(['DLHDon', 'Object']);
    expect(r.keyInfo.certificates[0]!.subject.toString()).toContain('CN=');
  });

  it('wrapping: a second element with the same Id is refused', async () => {
    const signer = await demoSigner('rsa');
    const out = new TextDecoder().decode(await signXml(INVOICE, signer, { profile: 'einvoice' }));
    const wrapped = out.replace('<DSCKS>', '<DLHDon Id="Id-1"><NDHDon>forged</NDHDon></DLHDon><DSCKS>');
    const r = verifyOne(new TextEncoder().encode(wrapped));
    expect(r.valid).toBe(false);
    expect(r.error?.reason).toBe('DUPLICATE_ID');
  });
});

describe('interop with xmlsec1', () => {
  const xmlsec = (args: string[]) => spawnSync('xmlsec1', args, { encoding: 'utf8' });

  it('xmlsec1 verifies kyso enveloped, enveloping, detached and e-invoice signatures', async () => {
    if (!requireTool('xmlsec1')) return;
    for (const kind of ['rsa', 'ecdsa'] as const) {
      const signer = await demoSigner(kind);
      const root = path.join(DEMO, kind, 'root.pem');
      const issuing = path.join(DEMO, kind, 'issuing.pem');
      const check = (file: string, extra: string[] = []) => {
        const r = xmlsec(['verify', '--trusted-pem', root, '--untrusted-pem', issuing, ...extra, file]);
        expect(`${r.status} ${r.stderr}`, file).toMatch(/^0 /);
        expect(r.stderr).toMatch(/^OK/m);
      };
      const env = path.join(tmp, `${kind}-enveloped.xml`);
      writeFileSync(env, await signXml(INVOICE, signer, { packaging: 'enveloped' }));
      check(env);
      const envl = path.join(tmp, `${kind}-enveloping.xml`);
      writeFileSync(envl, await signXml(INVOICE, signer, { packaging: 'enveloping' }));
      check(envl, ['--id-attr:Id', 'http://www.w3.org/2000/09/xmldsig#:Object']);
      const data = new TextEncoder().encode('detached content\n');
      writeFileSync(path.join(tmp, 'data.txt'), data);
      const det = path.join(tmp, `${kind}-detached.xml`);
      writeFileSync(det, await signXml(data, signer, { packaging: 'detached', detachedUri: 'data.txt' }));
      // xmlsec1 resolves relative URIs against the working directory.
      const r = spawnSync('xmlsec1', ['verify', '--trusted-pem', root, '--untrusted-pem', issuing, det], {
        cwd: tmp,
        encoding: 'utf8',
      });
      expect(`${r.status} ${r.stderr}`).toMatch(/^0 /);
      const inv = path.join(tmp, `${kind}-einvoice.xml`);
      writeFileSync(inv, await signXml(INVOICE, signer, { profile: 'einvoice' }));
      check(inv, ['--id-attr:Id', 'DLHDon', '--id-attr:Id', 'http://www.w3.org/2000/09/xmldsig#:Object']);
      // And a tampered copy fails in xmlsec1 too.
      writeFileSync(inv, readFileSync(inv, 'utf8').replace('Kyso', 'Kysq'));
      expect(
        xmlsec([
          'verify',
          '--trusted-pem',
          root,
          '--untrusted-pem',
          issuing,
          '--id-attr:Id',
          'DLHDon',
          '--id-attr:Id',
          'http://www.w3.org/2000/09/xmldsig#:Object',
          inv,
        ]).status,
      ).not.toBe(0);
    }
  });

  it('kyso verifies what xmlsec1 signed (enveloped, RSA and ECDSA)', async () => {
    if (!requireTool('xmlsec1')) return;
    for (const kind of ['rsa', 'ecdsa'] as const) {
      const alg = kind === 'rsa' ? 'rsa-sha256' : 'ecdsa-sha256';
      const tmpl = path.join(tmp, `tmpl-${kind}.xml`);
      writeFileSync(
        tmpl,
        `<?xml version="1.0" encoding="UTF-8"?>\n<Doc><Data Id="d1">dữ liệu &amp; more</Data><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#${alg}"/><Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference></SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature></Doc>\n`,
      );
      const out = path.join(tmp, `xmlsec-signed-${kind}.xml`);
      execFileSync('xmlsec1', [
        'sign',
        '--privkey-pem',
        `${path.join(DEMO, kind, 'official.key.pem')},${path.join(DEMO, kind, 'official.pem')}`,
        '--output',
        out,
        tmpl,
      ]);
      const r = verifyOne(readFileSync(out));
      expect(r.valid, r.error?.message).toBe(true);
      expect(r.keyInfo.certificates.length).toBe(1);
      const tampered = readFileSync(out, 'utf8').replace('more', 'less');
      expect(verifyOne(new TextEncoder().encode(tampered)).valid).toBe(false);
    }
  });
});

describe('GDT notice shape (SHAPE.md §2c), signed by xmlsec1', () => {
  it('kyso verifies a TBao with two signatures, no transforms and SignatureProperties in no namespace', async () => {
    if (!requireTool('xmlsec1')) return;
    const sp = (role: string) =>
      `<Object Id="Object-${role}"><SignatureProperties xmlns=""><SignatureProperty Id="SignatureProperty-${role}" Target="#${role}-1"><SigningTime>2024-05-02T09:30:00</SigningTime></SignatureProperty></SignatureProperties></Object>`;
    const sig = (role: string, refs: string[]) =>
      `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="${role}-1"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>${refs
        .map(
          (u) =>
            `<Reference URI="#${u}"><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference>`,
        )
        .join('')}</SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo>${sp(role)}</Signature>`;
    const tmpl = `<?xml version="1.0" encoding="UTF-8"?>\n<TBao><DLTBao Id="Id-dl"><MSo>01/TB-ĐKĐT</MSo><Ten>Thông báo</Ten></DLTBao><STBao Id="Id-so"><So>123</So></STBao><DSCKS><TTCQT>${sig('TTCQT', ['Object-TTCQT', 'Id-dl'])}</TTCQT><CQT>${sig('CQT', ['Object-CQT', 'Id-dl', 'Id-so'])}</CQT></DSCKS></TBao>`;
    const key = `${path.join(DEMO, 'rsa', 'official.key.pem')},${path.join(DEMO, 'rsa', 'official.pem')}`;
    const ids = [
      '--id-attr:Id',
      'DLTBao',
      '--id-attr:Id',
      'STBao',
      '--id-attr:Id',
      'http://www.w3.org/2000/09/xmldsig#:Object',
    ];
    const f1 = path.join(tmp, 'tbao-tmpl.xml');
    writeFileSync(f1, tmpl);
    // xmlsec1 signs the first signature it finds; sign TTCQT, then move on to CQT by node id.
    const f2 = path.join(tmp, 'tbao-1.xml');
    execFileSync('xmlsec1', [
      'sign',
      '--privkey-pem',
      key,
      ...ids,
      '--node-id',
      'TTCQT-1',
      '--id-attr:Id',
      'Signature',
      '--output',
      f2,
      f1,
    ]);
    const f3 = path.join(tmp, 'tbao-2.xml');
    execFileSync('xmlsec1', [
      'sign',
      '--privkey-pem',
      key,
      ...ids,
      '--node-id',
      'CQT-1',
      '--id-attr:Id',
      'Signature',
      '--output',
      f3,
      f2,
    ]);
    const doc = parseXml(readFileSync(f3));
    const sigs = findSignatures(doc);
    expect(sigs).toHaveLength(2);
    for (const s of sigs) {
      const r = verifyXmlSignature(doc, s);
      expect(r.valid, r.error?.message).toBe(true);
      expect(r.signedElements.map((e) => e.local)).toContain('DLTBao');
    }
    const tampered = parseXml(readFileSync(f3, 'utf8').replace('<So>123</So>', '<So>124</So>'));
    const [a, b] = findSignatures(tampered);
    expect(verifyXmlSignature(tampered, a!).valid).toBe(true); // TTCQT does not cover STBao
    expect(verifyXmlSignature(tampered, b!).valid).toBe(false); // CQT does
  });
});

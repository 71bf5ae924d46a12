/**
 * Interop with Apache Santuario (Debian libxml-security-java, JDK): a small Java class
 * (test/java/SantuarioTool.java) is compiled here with javac, then verifies kyso's enveloped,
 * enveloping, detached and e-invoice signatures, the XML-DSig core of a XAdES B-LTA signature and
 * of its counter-signature, and signs a document kyso verifies.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTool } from '../../pki-core/test/helpers/tools.js';
import {
  Certificate,
  LocalSigner,
  TimeStampAuthority,
  type TimeStamper,
  buildTimeStampReq,
  importPrivateKey,
  parseTimeStampResp,
} from '@kyso/pki-core';
import {
  addXadesArchiveTimeStamp,
  addXadesSignatureTimeStamp,
  addXadesValidationData,
  counterSignXml,
  findSignatures,
  parseXml,
  signXml,
  verifyXmlSignature,
} from '../src/index.js';

const DEMO = path.resolve(__dirname, '../../../certs/demo');
const JARS = ['xmlsec.jar', 'commons-codec.jar', 'slf4j-api.jar', 'slf4j-simple.jar'].map(
  (j) => `/usr/share/java/${j}`,
);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'kyso-'));
const INVOICE = `<?xml version="1.0" encoding="UTF-8"?>
<HDon><DLHDon Id="Id-7"><TTChung><PBan>2.0.1</PBan></TTChung><NDHDon><NBan><Ten>Công ty Kyso</Ten></NBan></NDHDon></DLHDon><DSCKS><NBan/></DSCKS></HDon>`;

let ready = false;
beforeAll(() => {
  if (!requireTool('java') || !requireTool('javac')) return;
  if (!JARS.every(existsSync)) {
    if (process.env.CI) throw new Error('libxml-security-java is not installed (see .ci/run APT_PACKAGES)');
    console.warn('skipping Santuario interop: /usr/share/java/xmlsec.jar missing');
    return;
  }
  execFileSync('javac', ['-cp', JARS.join(':'), '-d', tmp, path.join(__dirname, 'java/SantuarioTool.java')]);
  ready = true;
});

const santuario = (...args: string[]) =>
  spawnSync('java', ['-cp', [tmp, ...JARS].join(':'), 'SantuarioTool', ...args], {
    encoding: 'utf8',
    cwd: tmp,
  });

async function signer(kind: 'rsa' | 'ecdsa'): Promise<LocalSigner> {
  const key = await importPrivateKey(readFileSync(path.join(DEMO, kind, 'official.key.pem'), 'utf8'));
  const chain = Certificate.parseAll(readFileSync(path.join(DEMO, kind, 'official.chain.pem'), 'utf8')).map(
    (c) => c.der,
  );
  return new LocalSigner(key, chain);
}

describe('interop with Apache Santuario', () => {
  it('Santuario verifies kyso enveloped, enveloping, detached and e-invoice signatures (RSA, ECDSA)', async () => {
    if (!ready) return;
    for (const kind of ['rsa', 'ecdsa'] as const) {
      const s = await signer(kind);
      const data = new TextEncoder().encode('detached content\n');
      writeFileSync(path.join(tmp, 'data.txt'), data);
      const files: [string, Uint8Array, number][] = [
        ['enveloped', await signXml(INVOICE, s, { packaging: 'enveloped' }), 1],
        ['enveloping', await signXml(INVOICE, s, { packaging: 'enveloping' }), 1],
        ['detached', await signXml(data, s, { packaging: 'detached', detachedUri: 'data.txt' }), 1],
        ['einvoice', await signXml(INVOICE, s, { profile: 'einvoice' }), 2],
      ];
      for (const [name, bytes, refs] of files) {
        const f = path.join(tmp, `${kind}-${name}.xml`);
        writeFileSync(f, bytes);
        const r = santuario('verify', f);
        expect(`${r.status} ${r.stdout}${r.stderr}`, `${kind} ${name}`).toMatch(
          new RegExp(`^0 VALID ${refs}`),
        );
        // A changed byte in the signed data fails in Santuario too.
        const bad = new TextDecoder()
          .decode(bytes)
          .replace('Kyso', 'Kysq')
          .replace('detached content', 'detached contenT');
        if (name === 'detached') writeFileSync(path.join(tmp, 'data.txt'), 'changed');
        else writeFileSync(f, bad);
        expect(santuario('verify', f).status, `${kind} ${name} tampered`).not.toBe(0);
      }
    }
  });

  it('Santuario verifies the XML-DSig core of a kyso XAdES B-LTA signature and of its counter-signature', async () => {
    if (!ready) return;
    const s = await signer('rsa');
    const tsaSigner = new LocalSigner(
      await importPrivateKey(readFileSync(path.join(DEMO, 'rsa', 'tsa.key.pem'), 'utf8')),
      Certificate.parseAll(readFileSync(path.join(DEMO, 'rsa', 'tsa.chain.pem'), 'utf8')).map((c) => c.der),
    );
    const tsa = new TimeStampAuthority({
      certificate: Certificate.fromDer(tsaSigner.certificateChain[0]!),
      signer: tsaSigner,
      policyOid: '1.3.6.1.4.1.99999.7.1',
    });
    const ts: TimeStamper = async (digest, hashAlgorithm) =>
      parseTimeStampResp(
        await tsa.respond((await buildTimeStampReq({ digest, hashAlgorithm, certReq: true })).der),
      ).token!;
    const bt = await addXadesSignatureTimeStamp(await signXml(INVOICE, s, { xades: {} }), ts);
    const cs = await counterSignXml(bt, await signer('ecdsa'));
    const lta = await addXadesArchiveTimeStamp(
      addXadesValidationData(cs, { certificates: [...s.certificateChain, ...tsaSigner.certificateChain] }),
      ts,
    );
    const f = path.join(tmp, 'xades-lta.xml');
    writeFileSync(f, lta);
    const master = santuario('verify', f, '0');
    expect(`${master.status} ${master.stdout}${master.stderr}`).toMatch(/^0 VALID 2/);
    const counter = santuario('verify', f, '1');
    expect(`${counter.status} ${counter.stdout}${counter.stderr}`).toMatch(/^0 VALID 2/);
  });

  it('kyso verifies what Santuario signed (RSA and ECDSA, enveloped, exclusive C14N)', async () => {
    if (!ready) return;
    for (const kind of ['rsa', 'ecdsa'] as const) {
      const input = path.join(tmp, 'in.xml');
      writeFileSync(input, INVOICE);
      const out = path.join(tmp, `santuario-${kind}.xml`);
      const r = santuario('sign', input, out, path.join(DEMO, kind, 'official.p12'), 'kyso-demo');
      expect(r.status, r.stderr).toBe(0);
      const doc = parseXml(readFileSync(out));
      const v = verifyXmlSignature(doc, findSignatures(doc)[0]!);
      expect(v.valid, v.error?.message).toBe(true);
      expect(v.coversWholeDocument).toBe(true);
      const tampered = parseXml(readFileSync(out, 'utf8').replace('Kyso', 'Kysq'));
      expect(verifyXmlSignature(tampered, findSignatures(tampered)[0]!).valid).toBe(false);
    }
  });
});

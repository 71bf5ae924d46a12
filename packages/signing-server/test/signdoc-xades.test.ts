/**
 * CSC signDoc with signature_format "X" (XAdES) over the Hono app (PGlite): prepareDoc prepares an
 * enveloped XAdES signature with @kyso/xml-sign and returns the SignedInfo digest, the SAD covers
 * it, signDoc signs it through the same Signer seam as PDF and returns the signed XML at the
 * asked conformance level. The result is checked by kyso's XML verifier and by xmlsec1.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Certificate, TrustStore, pemEncode } from '@kyso/pki-core';
import { counterSignXml, signXml, verifyXml } from '@kyso/xml-sign';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireTool, tmpDir } from '../../pki-core/test/helpers/tools.js';
import { CscClient, RemoteSigner, fromBase64 } from '../src/client/index.js';
import { type Fetcher, provision } from './helpers/client.js';
import { OtpDevice, startTestServer, type TestServer } from './helpers/env.js';

const INVOICE = `<?xml version="1.0" encoding="UTF-8"?>
<HDon><DLHDon Id="data"><TTChung><PBan>2.0.1</PBan><THDon>HÓA ĐƠN GIÁ TRỊ GIA TĂNG</THDon><KHMSHDon>1</KHMSHDon><KHHDon>C26TAA</KHHDon><SHDon>12</SHDon></TTChung><NDHDon><NBan><Ten>Công ty TNHH Kyso &amp; Cộng sự</Ten><MST>0312345678</MST></NBan><TToan><TgTTTBSo>1100000</TgTTTBSo></TToan></NDHDon></DLHDon><DSCKS><NBan/></DSCKS></HDon>`;

const hasXmlsec = requireTool('xmlsec1');

describe('signDoc with signature_format X (XAdES)', () => {
  let s: TestServer;
  let f: Fetcher;
  beforeAll(async () => {
    s = await startTestServer('pglite');
    f = (p, init) => Promise.resolve(s.kyso.app.request(p, init));
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  const fetchVia: typeof fetch = (input, init) =>
    Promise.resolve(s.kyso.app.request(typeof input === 'string' ? input : (input as Request).url, init));

  async function setup(key: { type: 'EC' | 'RSA'; curve?: string; modulusLength?: number }) {
    const p = await provision(f, s.operatorKey, key);
    const csc = new CscClient({
      baseUrl: 'http://kyso.test',
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      fetch: fetchVia,
    });
    const info = await csc.credentialInfo(p.credentialId);
    const chain = info.cert.certificates.map((c) => Certificate.fromDer(fromBase64(c)));
    return { p, csc, otp: new OtpDevice(p.otpauthUri), chain };
  }

  async function signVia(
    ctx: Awaited<ReturnType<typeof setup>>,
    level: 'Ades-B-B' | 'Ades-B-T' | 'Ades-B-LT' | 'Ades-B-LTA',
    envelope?: 'Enveloped' | 'Enveloping',
  ): Promise<Uint8Array> {
    const doc = new TextEncoder().encode(INVOICE);
    const opts = {
      signature_format: 'X' as const,
      conformance_level: level,
      ...(envelope ? { signed_envelope_property: envelope } : {}),
    };
    const prep = await ctx.csc.prepareDoc({
      credentialID: ctx.p.credentialId,
      documents: [{ document: doc, ...opts }],
    });
    const { SAD } = await ctx.csc.authorize({
      credentialID: ctx.p.credentialId,
      hashes: prep.documentDigests.map((d) => d.hash),
      pin: '246810',
      otp: ctx.otp.next(),
    });
    const r = await ctx.csc.signDoc({
      credentialID: ctx.p.credentialId,
      SAD,
      documents: [{ document: doc, ...opts }],
    });
    expect(r.SignatureObject).toBeUndefined();
    return fromBase64(r.DocumentWithSignature![0]!);
  }

  function xmlsec1Ok(xml: Uint8Array, chain: Certificate[]): { ok: boolean; out: string } {
    const d = tmpDir();
    const file = path.join(d, 'signed.xml');
    fs.writeFileSync(file, xml);
    const root = path.join(d, 'root.pem');
    fs.writeFileSync(root, pemEncode('CERTIFICATE', chain[chain.length - 1]!.der));
    const mid = path.join(d, 'mid.pem');
    fs.writeFileSync(
      mid,
      chain
        .slice(1, -1)
        .map((c) => pemEncode('CERTIFICATE', c.der))
        .join(''),
    );
    const r = spawnSync(
      'xmlsec1',
      [
        'verify',
        '--trusted-pem',
        root,
        ...(chain.length > 2 ? ['--untrusted-pem', mid] : []),
        '--id-attr:Id',
        'http://uri.etsi.org/01903/v1.3.2#:SignedProperties',
        file,
      ],
      { encoding: 'utf8' },
    );
    return { ok: r.status === 0 && /^OK/.test(r.stderr), out: r.stderr };
  }

  for (const [name, key] of [
    ['RSA 2048', { type: 'RSA', modulusLength: 2048 }],
    ['ECDSA P-256', { type: 'EC', curve: 'P-256' }],
  ] as const) {
    for (const level of ['Ades-B-B', 'Ades-B-T', 'Ades-B-LT', 'Ades-B-LTA'] as const) {
      it(`${name}, ${level}: signed XML back, level reached, xmlsec1 verifies the XML-DSig core`, async () => {
        const ctx = await setup(key);
        const signed = await signVia(ctx, level);
        const text = new TextDecoder().decode(signed);
        // Enveloped: the original content is there, the signature beside it.
        expect(text).toContain('<DLHDon Id="data">');
        const report = await verifyXml(signed, {
          trustStore: new TrustStore([ctx.chain[ctx.chain.length - 1]!]),
          revocation: 'off',
        });
        expect(report.signatures).toHaveLength(1);
        const sig = report.signatures[0]!;
        expect(sig.integrity.status).toBe('passed');
        expect(sig.level).toBe(level.slice(5));
        expect(sig.signer?.serialNumber).toBe(ctx.chain[0]!.serialHex);
        if (level !== 'Ades-B-B') expect(sig.signingTime?.source).toBe('signature-timestamp');
        if (hasXmlsec) {
          const x = xmlsec1Ok(signed, ctx.chain);
          expect(x.ok, x.out).toBe(true);
        }
      });
    }
  }

  for (const [name, key] of [
    ['RSA 2048', { type: 'RSA', modulusLength: 2048 }],
    ['ECDSA P-256', { type: 'EC', curve: 'P-256' }],
  ] as const) {
    it(`RemoteSigner (${name}) with @kyso/xml-sign: signXml (XAdES) then counterSignXml, one signHash each`, async () => {
      const ctx = await setup(key);
      const seen: string[] = [];
      const signer = await RemoteSigner.open(ctx.csc, ctx.p.credentialId, {
        authorize: async (hashes) => {
          seen.push(...hashes);
          return ctx.csc.authorize({
            credentialID: ctx.p.credentialId,
            hashes,
            pin: '246810',
            otp: ctx.otp.next(),
          });
        },
      });
      const signed = await signXml(INVOICE, signer, { xades: {} });
      const countersigned = await counterSignXml(signed, signer);
      expect(seen).toHaveLength(2);
      const report = await verifyXml(countersigned, {
        trustStore: new TrustStore([ctx.chain[ctx.chain.length - 1]!]),
        revocation: 'off',
      });
      expect(report.signatures.map((x) => [x.integrity.status, x.level, x.status])).toEqual([
        ['passed', 'B-B', 'valid'],
        ['passed', 'B-B', 'valid'],
      ]);
      expect(report.signatures[1]!.counterSignatureOf).toBe(0);
      if (hasXmlsec) {
        const x = xmlsec1Ok(countersigned, ctx.chain);
        expect(x.ok, x.out).toBe(true);
      }
    });
  }

  it('Enveloping: the document travels inside the signature', async () => {
    const ctx = await setup({ type: 'EC', curve: 'P-256' });
    const signed = await signVia(ctx, 'Ades-B-B', 'Enveloping');
    const text = new TextDecoder().decode(signed);
    expect(text.indexOf('<ds:Signature')).toBeLessThan(text.indexOf('<HDon>'));
    const report = await verifyXml(signed, { revocation: 'off' });
    expect(report.signatures[0]!.integrity.status).toBe('passed');
    expect(report.signatures[0]!.level).toBe('B-B');
  });

  it('refused with 400 before anything is signed: X as documentDigests, PDF options for X, a changed document', async () => {
    const ctx = await setup({ type: 'EC', curve: 'P-256' });
    await expect(
      ctx.csc.signDoc({
        credentialID: ctx.p.credentialId,
        SAD: 'x',
        documentDigests: [{ hashes: [new Uint8Array(32)], signature_format: 'X' }],
      }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      ctx.csc.prepareDoc({
        credentialID: ctx.p.credentialId,
        documents: [
          {
            document: new TextEncoder().encode(INVOICE),
            signature_format: 'X',
            signed_envelope_property: 'Certification',
          },
        ],
      }),
    ).rejects.toMatchObject({ status: 400 });
    await expect(
      ctx.csc.prepareDoc({
        credentialID: ctx.p.credentialId,
        documents: [{ document: new TextEncoder().encode('<a><!DOCTYPE x></a>'), signature_format: 'X' }],
      }),
    ).rejects.toMatchObject({ status: 400 });
    // Prepared and authorised, then a different document comes to signDoc: not prepared, refused.
    const doc = new TextEncoder().encode(INVOICE);
    const prep = await ctx.csc.prepareDoc({
      credentialID: ctx.p.credentialId,
      documents: [{ document: doc, signature_format: 'X' }],
    });
    const { SAD } = await ctx.csc.authorize({
      credentialID: ctx.p.credentialId,
      hashes: prep.documentDigests.map((d) => d.hash),
      pin: '246810',
      otp: ctx.otp.next(),
    });
    const changed = new TextEncoder().encode(INVOICE.replace('1100000', '9900000'));
    await expect(
      ctx.csc.signDoc({
        credentialID: ctx.p.credentialId,
        SAD,
        documents: [{ document: changed, signature_format: 'X' }],
      }),
    ).rejects.toMatchObject({ status: 400 });
    // The same document as P (PAdES) is refused: the preparation was for X.
    await expect(
      ctx.csc.signDoc({ credentialID: ctx.p.credentialId, SAD, documents: [{ document: doc }] }),
    ).rejects.toMatchObject({ status: 400 });
    // The SAD was not spent by the refusals: the right call still signs.
    const r = await ctx.csc.signDoc({
      credentialID: ctx.p.credentialId,
      SAD,
      documents: [{ document: doc, signature_format: 'X' }],
    });
    expect(r.DocumentWithSignature).toHaveLength(1);
  });

  it('CSC info lists X among the signature formats', async () => {
    const r = await f('/csc/v2/info', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const body = (await r.json()) as { signature_formats: { formats: string[] } };
    expect(body.signature_formats.formats).toEqual(['P', 'X']);
  });
});

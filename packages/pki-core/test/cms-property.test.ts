/**
 * Hostile-input property test: mutated CMS blobs (kyso's DER output, B-T with a time-stamp token,
 * B-LTA with an archive-time-stamp-v3 / ats-hash-index-v3, OpenSSL-style BER, RFC 4134 examples;
 * and archive tokens mutated then re-embedded in a well-formed signature) only ever produce a report or a KysoError: no other
 * exception, no crash, no hang (each verification is bounded in time).
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeBer } from '../src/cms/ber.js';
import { OID_ARCHIVE_TIMESTAMP_V3 } from '../src/cms/archive.js';
import {
  type TimeStamper,
  addSignatureTimeStamp,
  addValidationData,
  upgradeToLta,
} from '../src/cms/cades.js';
import { issueCrl } from '../src/crl.js';
import { parseSignedDataContentInfo } from '../src/cms/signed-data.js';
import { signCms } from '../src/cms/sign.js';
import { verifyCms } from '../src/cms/verify.js';
import { generateKeyPair } from '../src/crypto/keys.js';
import { LocalSigner } from '../src/crypto/signer.js';
import { KysoError } from '../src/errors.js';
import { TrustStore } from '../src/path/trust-store.js';
import { issueCertificate } from '../src/x509/issue.js';
import { Name } from '../src/name.js';
import { OID } from '../src/oids.js';
import { encodeContentInfo, encodeSignedData, encodeSignerInfo } from '../src/cms/signed-data.js';
import { integer, seq, oid, octetString, generalizedTime } from '../src/der.js';
import { hashAlgorithmIdentifier } from '../src/crypto/hash.js';
import { vectorsDir } from '../../../test-vectors/location.js';

const rfc4134 = path.join(vectorsDir, 'bouncycastle-cms-tsp/rfc4134');

/** Upper bound for one verification of a small blob (generous for a loaded 2-core machine). */
const MAX_MS = 5_000;

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'delete'; at: number; len: number };

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({
    kind: fc.constant('set' as const),
    at: fc.nat(),
    value: fc.constantFrom(0x00, 0x80, 0x81, 0x84, 0xff, 0x30, 0x31, 0xa0, 0x04, 0x24),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
);

function apply(buf: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = buf;
  for (const m of ms) {
    const at = b.length ? m.at % b.length : 0;
    if (m.kind === 'flip') {
      b = b.slice();
      if (b.length) b[at]! ^= 1 << m.bit;
    } else if (m.kind === 'truncate') b = b.slice(0, at);
    else if (m.kind === 'insert') b = Uint8Array.from([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)]);
    else if (m.kind === 'set') {
      b = b.slice();
      if (b.length) b[at] = m.value;
    } else b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + m.len)]);
  }
  return b;
}

/** A crude BER rewrite of DER (outer SEQUENCEs with indefinite length), to fuzz the normaliser. */
function toIndefinite(der: Uint8Array): Uint8Array {
  // 30 82 LL LL <body> -> 30 80 <body> 00 00 (top level only)
  const hdr = der[1]! & 0x80 ? 2 + (der[1]! & 0x7f) : 2;
  return Uint8Array.from([der[0]!, 0x80, ...der.subarray(hdr), 0, 0]);
}

describe('CMS under mutation', () => {
  const blobs: [string, Uint8Array][] = [];
  let trust: TrustStore;
  let lta: Uint8Array;
  beforeAll(async () => {
    const caKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const now = new Date();
    const later = new Date(now.getTime() + 86400_000);
    const ca = await issueCertificate({
      profile: 'root-ca',
      subject: Name.parse('CN=Fuzz Root,C=VN'),
      publicKey: caKey.publicKeyInfo,
      signer: new LocalSigner(caKey),
      notBefore: new Date(now.getTime() - 3600_000),
      notAfter: later,
    });
    trust = new TrustStore([ca]);
    const leafKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const leaf = await issueCertificate({
      profile: 'person-signing',
      subject: Name.parse('CN=Fuzz Signer,C=VN'),
      publicKey: leafKey.publicKeyInfo,
      issuer: { certificate: ca, signer: new LocalSigner(caKey) },
      notBefore: now,
      notAfter: new Date(later.getTime() - 3600_000),
    });
    const signer = new LocalSigner(leafKey, [leaf.der, ca.der]);
    const content = new TextEncoder().encode('fuzz me');
    const attached = await signCms({ signer, content, signingTime: now });
    blobs.push(['kyso attached ECDSA', attached]);
    blobs.push(['kyso detached ECDSA', await signCms({ signer, content, detached: true })]);
    // A fake "time-stamp token" made with kyso itself (eContentType TSTInfo, signed by the leaf).
    const tst = seq(
      integer(1),
      oid('1.2.3.4'),
      seq(hashAlgorithmIdentifier('SHA-256'), octetString(new Uint8Array(32))),
      integer(7),
      generalizedTime(now),
    );
    const token = await signCms({ signer, content: tst, contentType: OID.tstInfo });
    const stamper: TimeStamper = async () => token;
    const bt = await addSignatureTimeStamp(attached, stamper);
    blobs.push(['kyso B-T', bt]);
    const crl = await issueCrl({
      issuer: ca,
      signer: new LocalSigner(caKey),
      thisUpdate: now,
      nextUpdate: later,
      crlNumber: 1,
    });
    lta = await upgradeToLta(addValidationData(bt, { crls: [crl.der] }), { timeStamper: stamper });
    blobs.push(['kyso B-LTA', lta]);
    blobs.push(['BER outer', toIndefinite(attached)]);
    for (const f of ['4.2.bin', '4.4.bin', '4.5.bin']) {
      const p = path.join(rfc4134, f);
      if (fs.existsSync(p)) blobs.push([`RFC 4134 ${f}`, new Uint8Array(fs.readFileSync(p))]);
    }
    expect(blobs).toHaveLength(8);
    // Sanity: the unmutated blobs parse.
    for (const [, b] of blobs) expect(() => parseSignedDataContentInfo(normalizeBer(b))).not.toThrow();
    // Minimal SignedData with no signers also parses.
    parseSignedDataContentInfo(
      encodeContentInfo(
        OID.signedData,
        encodeSignedData({ digestAlgorithmsDer: [], eContentType: OID.data, signerInfos: [] }),
      ),
    );
  }, 60_000);

  it('only reports or KysoErrors, each within the time bound', async () => {
    let reports = 0;
    let errors = 0;
    for (const [name, blob] of blobs) {
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (ms) => {
          const input = apply(blob, ms);
          const t0 = Date.now();
          try {
            const r = await verifyCms(input, {
              trustStore: trust,
              content: new TextEncoder().encode('fuzz me'),
            });
            expect(typeof r.valid).toBe('boolean');
            reports++;
          } catch (e) {
            if (!(e instanceof KysoError)) {
              throw new Error(`${name}: non-KysoError ${(e as Error)?.stack ?? e}`);
            }
            errors++;
          }
          expect(Date.now() - t0).toBeLessThan(MAX_MS);
        }),
        { numRuns: 150, seed: 4134 },
      );
    }
    // Both outcomes occur: the test exercises parsing failures and verification reports.
    expect(reports).toBeGreaterThan(0);
    expect(errors).toBeGreaterThan(0);
  }, 300_000);

  it('mutated archive time-stamp tokens inside a well-formed B-LTA: reports or KysoErrors only', async () => {
    const sd = parseSignedDataContentInfo(lta);
    const si = sd.signerInfos[0]!;
    const ats = si.unsignedAttrs!.find((a) => a.type === OID_ARCHIVE_TIMESTAMP_V3)!.values[0]!;
    let reports = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (ms) => {
        const token = apply(ats, ms);
        const t0 = Date.now();
        try {
          const blob = encodeContentInfo(
            OID.signedData,
            encodeSignedData({
              digestAlgorithmsDer: sd.digestAlgorithms.map((a) => a.der),
              eContentType: sd.eContentType,
              ...(sd.eContent ? { eContent: sd.eContent } : {}),
              certificates: sd.certificates,
              crls: sd.crls,
              signerInfos: [
                encodeSignerInfo({
                  sid: si.sid,
                  digestAlgorithmDer: si.digestAlgorithm.der,
                  signedAttrsDer: si.signedAttrsDer!,
                  signatureAlgorithmDer: si.signatureAlgorithm.der,
                  signature: si.signature,
                  unsignedAttrs: si.unsignedAttrs!.map((a) =>
                    a.type === OID_ARCHIVE_TIMESTAMP_V3 ? { type: a.type, values: [token] } : a,
                  ),
                }),
              ],
            }),
          );
          const r = await verifyCms(blob, { trustStore: trust });
          // A mutated archive token never yields B-LTA.
          expect(r.signers[0]!.level).not.toBe('B-LTA');
          reports++;
        } catch (e) {
          if (!(e instanceof KysoError)) throw new Error(`non-KysoError ${(e as Error)?.stack ?? e}`);
        }
        expect(Date.now() - t0).toBeLessThan(MAX_MS);
      }),
      { numRuns: 200, seed: 31221 },
    );
    expect(reports).toBeGreaterThan(0);
  }, 300_000);

  it('the BER normaliser is bounded: deep nesting and huge element counts are refused', () => {
    const deep = new Uint8Array(2 * 200 + 2 * 200);
    for (let i = 0; i < 200; i++) {
      deep[2 * i] = 0x30;
      deep[2 * i + 1] = 0x80;
    }
    expect(() => normalizeBer(deep)).toThrow(KysoError);
    const many = new Uint8Array(2 + 2 * 300_000 + 2);
    many[0] = 0x30;
    many[1] = 0x80;
    for (let i = 0; i < 300_000; i++) many[2 + 2 * i] = 0x05; // NULL, NULL, ...
    expect(() => normalizeBer(many)).toThrow(KysoError);
  });
});

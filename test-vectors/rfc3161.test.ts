/**
 * RFC 3161 time-stamp tokens from Bouncy Castle's bc-test-data (../shared/test-vectors/
 * bouncycastle-cms-tsp/tsp, real TSA output from 2017/2018; SOURCE.md: "Signature verifies with
 * OpenSSL"). Three stand-alone tokens (*.tsr) and every ArchiveTimeStamp token inside the RFC 4998
 * evidence records (*.ers). All are BER (indefinite lengths): kyso normalises the CMS transfer
 * encoding, then parses strictly.
 *
 * Expected, per SOURCE.md: each token's signature, messageDigest, ESS signing certificate and TSA
 * certificate profile verify, and the TSA chain validates at genTime with the path validator when
 * the root carried in the token is trusted. The message imprints cover RFC 4998 hash trees, which
 * this file checks token by token only (imprint line "no-data-supplied"); the hash trees, renewals
 * and data coverage are verified by test-vectors/rfc4998.test.ts. ER_NOK_* files fail at the
 * evidence-record level, not at the token level, so their tokens verify too. Mutated tokens must
 * fail.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeBer } from '../packages/pki-core/src/cms/ber.js';
import { parseSignedDataContentInfo } from '../packages/pki-core/src/cms/signed-data.js';
import { DerReader, Tag, ctxTag } from '../packages/pki-core/src/der.js';
import { isKysoError } from '../packages/pki-core/src/errors.js';
import { TrustStore } from '../packages/pki-core/src/path/trust-store.js';
import { parseTimeStampToken, verifyTimeStampToken } from '../packages/pki-core/src/tsp/verify.js';
import { Certificate } from '../packages/pki-core/src/x509/certificate.js';
import { vectorsDir } from './harness.js';

const ROOT = path.join(vectorsDir, 'bouncycastle-cms-tsp', 'tsp');
const present = fs.existsSync(ROOT);

function* walk(d: string): Generator<string> {
  for (const f of fs.readdirSync(d).sort()) {
    const p = path.join(d, f);
    if (fs.statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}

/** The RFC 3161 tokens inside an RFC 4998 EvidenceRecord (ArchiveTimeStamp.timeStamp). */
function tokensInEvidenceRecord(ber: Uint8Array): Uint8Array[] {
  const der = normalizeBer(ber);
  const er = new DerReader(DerReader.single(der).value);
  er.readInteger();
  er.read(Tag.SEQUENCE); // digestAlgorithms
  er.readOptional(ctxTag(0, true)); // cryptoInfos
  er.readOptional(ctxTag(1, true)); // encryptionInfo
  const seqs = er.enter(Tag.SEQUENCE);
  const out: Uint8Array[] = [];
  while (!seqs.done) {
    const chain = seqs.enter(Tag.SEQUENCE);
    while (!chain.done) {
      const ats = chain.enter(Tag.SEQUENCE);
      while (!ats.done) {
        const el = ats.read();
        if (el.tag === Tag.SEQUENCE) out.push(el.raw); // the ContentInfo; [0]..[2] are options
      }
    }
  }
  return out;
}

interface Case {
  id: string;
  token: Uint8Array;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const f of walk(ROOT)) {
    const rel = path.relative(ROOT, f);
    if (f.endsWith('.tsr')) out.push({ id: rel, token: new Uint8Array(fs.readFileSync(f)) });
    if (f.endsWith('.ers')) {
      const tokens = tokensInEvidenceRecord(new Uint8Array(fs.readFileSync(f)));
      for (const [i, token] of tokens.entries()) out.push({ id: `${rel}#${i}`, token });
    }
  }
  return out;
}

/** Trust the self-signed root(s) the token carries: the test is about the token, not the root's provenance. */
function rootsOf(token: Uint8Array): TrustStore {
  const { signedData } = parseTimeStampToken(token);
  const roots = signedData.certificates.map((d) => Certificate.fromDer(d)).filter((c) => c.isSelfIssued);
  return new TrustStore(roots);
}

describe.skipIf(!present)('RFC 3161 tokens from bc-test-data', () => {
  const all = present ? cases() : [];

  it('finds the three .tsr tokens and the evidence-record tokens', () => {
    expect(all.filter((c) => c.id.endsWith('.tsr'))).toHaveLength(3);
    expect(all.length).toBeGreaterThanOrEqual(20);
    // They really are BER: the strict DER parser alone refuses them.
    expect(() => parseSignedDataContentInfo(all.find((c) => c.id.endsWith('.tsr'))!.token)).toThrow(
      expect.objectContaining({ code: 'DER_MALFORMED' }),
    );
  });

  for (const c of all) {
    it(`${c.id}: token verifies, chain valid at genTime`, async () => {
      const rep = await verifyTimeStampToken(c.token, { trustStore: rootsOf(c.token) });
      const notPassed = rep.checks.filter((x) => x.status !== 'passed');
      expect(notPassed).toEqual([
        { check: 'message-imprint', status: 'indeterminate', reason: 'NO_DATA_SUPPLIED' },
      ]);
      expect(rep.genTime!.getUTCFullYear()).toBeGreaterThanOrEqual(2017);
    });
  }

  it('the same tokens fail when the signature, the TSTInfo or the trust anchor is wrong', async () => {
    const c = all.find((x) => x.id.endsWith('0.0.tsr'))!;
    const der = parseTimeStampToken(c.token).der; // DER after normalisation
    const { signedData } = parseTimeStampToken(der);
    const sig = signedData.signerInfos[0]!.signature;
    const at = indexOf(der, sig) + 10;
    const badSig = der.slice();
    badSig[at] = badSig[at]! ^ 0x01;
    const r1 = await verifyTimeStampToken(badSig, { trustStore: rootsOf(c.token) });
    expect(r1.checks.find((x) => x.check === 'signature')?.reason).toBe('SIGNATURE_INVALID');
    expect(r1.status).toBe('failed');

    const tst = signedData.eContent!;
    const at2 = indexOf(der, tst) + tst.length - 3;
    const badTst = der.slice();
    badTst[at2] = badTst[at2]! ^ 0x01;
    try {
      const r2 = await verifyTimeStampToken(badTst, { trustStore: rootsOf(c.token) });
      expect(r2.checks.find((x) => x.check === 'message-digest')?.status).toBe('failed');
    } catch (e) {
      expect(isKysoError(e)).toBe(true);
    }

    const r3 = await verifyTimeStampToken(der, { trustStore: new TrustStore([]) });
    expect(r3.checks.find((x) => x.check === 'chain')?.status).toBe('failed');
    // And at a time the chain was not valid (genTime is fixed; check a wrong data imprint instead).
    const r4 = await verifyTimeStampToken(der, { data: new Uint8Array([1, 2, 3]) });
    expect(r4.checks.find((x) => x.check === 'message-imprint')?.reason).toBe('IMPRINT_MISMATCH');
  });
});

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * BoringSSL / Chromium verify_signed_data_unittest (../shared/test-vectors/boringssl-pki/
 * verify_signed_data_unittest): a SubjectPublicKeyInfo, a signature AlgorithmIdentifier, the data
 * and the signature BIT STRING. kyso parses the key strictly (parsePublicKeyInfo), the algorithm
 * for verification (parseVerifyAlgorithm), requires a BIT STRING without unused bits, and verifies
 * with verifySignature under the 'chromium' validation profile's key rules
 * (`verifyOptionsForProfile('chromium')`: RSA keys must be rsaEncryption, as in Chromium). SUCCESS
 * must verify; FAILURE must be refused at any of those steps. No exceptions: every case must agree.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseVerifyAlgorithm } from '../packages/pki-core/src/crypto/algorithms.js';
import { parsePublicKeyInfo } from '../packages/pki-core/src/crypto/keys.js';
import { type VerifyOptions, verifySignature } from '../packages/pki-core/src/crypto/verify.js';
import { DerReader, Tag, decodeBitString } from '../packages/pki-core/src/der.js';
import { isKysoError } from '../packages/pki-core/src/errors.js';
import { verifyOptionsForProfile } from '../packages/pki-core/src/path/profile.js';
import { pemDecodeAll } from '../packages/pki-core/src/pem.js';
import { loadExceptions, newTally, score, summary, vectorsDir } from './harness.js';

const DIR = path.join(vectorsDir, 'boringssl-pki/verify_signed_data_unittest');
const exp = JSON.parse(fs.readFileSync(path.join(DIR, 'expectations.json'), 'utf8')) as {
  testcases: { file: string; expected: 'SUCCESS' | 'FAILURE' }[];
};
const exceptions = loadExceptions('boringssl-signature');
const CHROMIUM = verifyOptionsForProfile('chromium');

async function run(
  file: string,
  opts: VerifyOptions = CHROMIUM,
): Promise<{ result: 'SUCCESS' | 'FAILURE'; detail: string }> {
  const blocks = pemDecodeAll(fs.readFileSync(path.join(DIR, file), 'utf8'));
  const one = (label: string) => {
    const b = blocks.find((x) => x.label === label);
    if (!b) throw new Error(`${file}: no ${label} block`);
    return b.der;
  };
  try {
    const key = parsePublicKeyInfo(one('PUBLIC KEY'));
    const alg = parseVerifyAlgorithm(one('ALGORITHM'));
    const bits = decodeBitString(DerReader.single(one('SIGNATURE'), Tag.BIT_STRING));
    if (bits.unusedBits !== 0) return { result: 'FAILURE', detail: 'signature BIT STRING has unused bits' };
    const ok = await verifySignature(key, alg, one('DATA'), bits.bytes, opts);
    return { result: ok ? 'SUCCESS' : 'FAILURE', detail: ok ? 'verified' : 'signature does not verify' };
  } catch (e) {
    if (!isKysoError(e)) throw e;
    return { result: 'FAILURE', detail: `${e.code}: ${e.message}` };
  }
}

describe('BoringSSL verify_signed_data cases', () => {
  it(`agrees on all ${exp.testcases.length} cases (no exceptions)`, async () => {
    expect(exceptions.size).toBe(0);
    expect(exp.testcases).toHaveLength(32);
    const tally = newTally('BoringSSL signature');
    for (const tc of exp.testcases) {
      const r = await run(tc.file);
      score(tally, exceptions, tc.file, tc.expected, r.result, r.detail);
    }
    console.log(summary(tally));
    expect(tally.unexpected).toEqual([]);
    expect(tally.stale).toEqual([]);
  });

  /**
   * Informational: kyso's default key rules ('rfc5280' profile, no options) differ from Chromium's
   * on exactly one case: an RFC 4055 id-RSASSA-PSS key whose parameters match the signature's is
   * accepted (and its parameters enforced), where Chromium has no support for such keys.
   */
  it("under the default ('rfc5280') key rules only the id-RSASSA-PSS key case differs", async () => {
    const differ: string[] = [];
    for (const tc of exp.testcases) {
      const r = await run(tc.file, verifyOptionsForProfile('rfc5280'));
      if (r.result !== tc.expected) differ.push(`${tc.file}: ${r.result}`);
    }
    expect(differ).toEqual(['rsa-pss-sha256-using-pss-key-with-params.pem: SUCCESS']);
  });
});

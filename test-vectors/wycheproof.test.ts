/**
 * Wycheproof signature-verification vectors (ECDSA DER and P1363, RSA PKCS#1 v1.5, RSA-PSS,
 * Ed25519, Ed448) through crypto/verify.ts `verifySignature`, the function path validation uses.
 * Every 'valid' vector must verify, every 'invalid' one must be rejected ('acceptable' may go
 * either way). No file is excluded: SHA-224, SHA-512/224, SHA-512/256, PSS with a distinct MGF1
 * hash and Ed448 go through the pure-TypeScript fallback (crypto/fallback-verify.ts). Every file
 * in the directory must be recognised (an unknown algorithm family fails the test).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../packages/pki-core/src/bytes.js';
import { fallbackVerify } from '../packages/pki-core/src/crypto/fallback-verify.js';
import { parsePublicKeyInfo } from '../packages/pki-core/src/crypto/keys.js';
import type {
  HashAlgorithm,
  PublicKeyInfo,
  VerifyAlgorithm,
  VerifyHashAlgorithm,
} from '../packages/pki-core/src/crypto/types.js';
import { isVerifyHashAlgorithm } from '../packages/pki-core/src/crypto/verify-hash.js';
import { ecdsaP1363ToDer, verifySignature } from '../packages/pki-core/src/crypto/verify.js';
import { isKysoError } from '../packages/pki-core/src/errors.js';
import { newTally, score, summary, vectorsDir } from './harness.js';

interface Group {
  publicKeyDer: string;
  sha?: string;
  mgfSha?: string;
  sLen?: number;
  publicKey?: { curve?: string };
  tests: {
    tcId: number;
    msg: string;
    sig: string;
    result: 'valid' | 'invalid' | 'acceptable';
    flags: string[];
  }[];
}

const dir = path.join(vectorsDir, 'wycheproof/testvectors_v1');
/** Wycheproof runs with no exceptions file: every vector must agree. */
const NO_EXCEPTIONS = new Map<string, string>();
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

function hashOf(s: string | undefined): VerifyHashAlgorithm {
  if (!isVerifyHashAlgorithm(s)) throw new Error(`Wycheproof hash ${String(s)} not mapped`);
  return s;
}

function ecdsaHash(s: string | undefined): HashAlgorithm {
  if (s === 'SHA-1' || s === 'SHA-256' || s === 'SHA-384' || s === 'SHA-512') return s;
  throw new Error(`Wycheproof ECDSA hash ${String(s)} not mapped`);
}

/** The algorithm under test; an unrecognised file or parameter fails the harness (nothing skipped). */
function algorithmFor(file: string, g: Group): VerifyAlgorithm {
  if (file.startsWith('ed25519')) return { name: 'Ed25519' };
  if (file.startsWith('ed448')) return { name: 'Ed448' };
  if (file.startsWith('ecdsa')) return { name: 'ECDSA', hash: ecdsaHash(g.sha) };
  const hash = hashOf(g.sha);
  if (file.startsWith('rsa_signature')) return { name: 'RSA-PKCS1', hash };
  if (file.startsWith('rsa_pss')) {
    if (g.sLen === undefined) throw new Error(`${file}: group without sLen`);
    return { name: 'RSA-PSS', hash, saltLength: g.sLen, mgf1Hash: hashOf(g.mgfSha) };
  }
  throw new Error(`${file}: unknown algorithm family`);
}

const CURVE_BYTES: Record<string, number> = {
  secp256r1: 32,
  'P-256': 32,
  secp384r1: 48,
  'P-384': 48,
  secp521r1: 66,
  'P-521': 66,
};

async function outcome(
  file: string,
  g: Group,
  t: Group['tests'][number],
): Promise<'valid' | 'invalid' | 'unsupported'> {
  const alg = algorithmFor(file, g);
  let sig = fromHex(t.sig);
  if (file.includes('p1363')) {
    const curve = file.includes('secp256r1') ? 'P-256' : file.includes('secp384r1') ? 'P-384' : 'P-521';
    if (sig.length !== 2 * CURVE_BYTES[curve]!) return 'invalid';
    try {
      sig = ecdsaP1363ToDer(sig);
    } catch (e) {
      if (isKysoError(e)) return 'invalid';
      throw e;
    }
  }
  try {
    return (await verifySignature(fromHex(g.publicKeyDer), alg, fromHex(t.msg), sig)) ? 'valid' : 'invalid';
  } catch (e) {
    if (isKysoError(e)) return e.code === 'UNSUPPORTED_ALGORITHM' ? 'unsupported' : 'invalid';
    throw e;
  }
}

describe('Wycheproof signature verification', () => {
  it(`agrees on every vector of ${files.length} files, none excluded`, async () => {
    const tally = newTally('Wycheproof');
    const perFile: Record<string, { cases: number; agree: number; rejectedAsUnsupported: number }> = {};
    for (const file of files) {
      const j = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { testGroups: Group[] };
      const stat = { cases: 0, agree: 0, rejectedAsUnsupported: 0 };
      for (const g of j.testGroups) {
        for (const t of g.tests) {
          const got = await outcome(file, g, t);
          const id = `${file}#${t.tcId}`;
          stat.cases++;
          if (t.result === 'acceptable') {
            stat.agree++;
            score(tally, NO_EXCEPTIONS, id, 'any', 'any');
            continue;
          }
          // An invalid vector may be refused as UNSUPPORTED_ALGORITHM (e.g. a PSS key whose
          // parameters name an unknown MGF): that is a rejection. A valid one never may.
          const actual = got === 'unsupported' && t.result === 'invalid' ? 'invalid' : got;
          if (got === 'unsupported' && actual === 'invalid') stat.rejectedAsUnsupported++;
          if (actual === t.result) stat.agree++;
          score(tally, NO_EXCEPTIONS, id, t.result, actual, t.flags.join(','));
        }
      }
      perFile[file] = stat;
    }
    console.log(summary(tally));
    for (const [f, st] of Object.entries(perFile)) {
      console.log(
        `  ${f}: ${st.agree}/${st.cases}${st.rejectedAsUnsupported ? ` (${st.rejectedAsUnsupported} invalid rejected as unsupported)` : ''}`,
      );
    }
    expect(Object.keys(perFile).length).toBe(files.length);
    expect(tally.unexpected).toEqual([]);
    expect(tally.agree).toBe(tally.cases);
  });
});

describe('Wycheproof RSA vectors through the pure-TypeScript fallback alone', () => {
  it('fallbackVerify agrees on every RSA PKCS#1 v1.5 and RSA-PSS vector (WebCrypto ones too)', async () => {
    const tally = newTally('Wycheproof RSA (fallback only)');
    for (const file of files.filter((f) => f.startsWith('rsa_'))) {
      const j = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { testGroups: Group[] };
      for (const g of j.testGroups) {
        const alg = algorithmFor(file, g);
        let info: PublicKeyInfo | undefined;
        try {
          info = parsePublicKeyInfo(fromHex(g.publicKeyDer));
        } catch (e) {
          if (!isKysoError(e)) throw e;
        }
        for (const t of g.tests) {
          const id = `${file}#${t.tcId}`;
          if (t.result === 'acceptable') {
            score(tally, NO_EXCEPTIONS, id, 'any', 'any');
            continue;
          }
          let got: string = 'invalid';
          if (info) {
            try {
              got = (await fallbackVerify(info, alg, fromHex(t.msg), fromHex(t.sig))) ? 'valid' : 'invalid';
            } catch (e) {
              if (!isKysoError(e)) throw e;
            }
          }
          score(tally, NO_EXCEPTIONS, id, t.result, got, t.flags.join(','));
        }
      }
    }
    console.log(summary(tally));
    expect(tally.unexpected).toEqual([]);
    expect(tally.cases).toBeGreaterThan(5000);
  });
});

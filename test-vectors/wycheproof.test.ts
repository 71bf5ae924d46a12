/**
 * Wycheproof signature-verification vectors (ECDSA DER and P1363, RSA PKCS#1 v1.5, RSA-PSS,
 * Ed25519) through crypto/verify.ts `verifySignature`, the function path validation uses. Every
 * 'valid' vector must verify, every 'invalid' one must be rejected ('acceptable' may go either
 * way). Whole files kyso does not support (hashes and curves outside its algorithm set) are
 * excluded by name in exceptions/wycheproof.json with the reason; an excluded file still has to
 * reject all its invalid vectors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../packages/pki-core/src/bytes.js';
import type { HashAlgorithm, SignatureAlgorithm } from '../packages/pki-core/src/crypto/types.js';
import { ecdsaP1363ToDer, verifySignature } from '../packages/pki-core/src/crypto/verify.js';
import { isKysoError } from '../packages/pki-core/src/errors.js';
import { loadExceptions, newTally, score, summary, vectorsDir } from './harness.js';

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
const exceptions = loadExceptions('wycheproof');
const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));

function hashOf(s: string | undefined): HashAlgorithm | null {
  return s === 'SHA-1' || s === 'SHA-256' || s === 'SHA-384' || s === 'SHA-512' ? s : null;
}

function algorithmFor(file: string, g: Group): SignatureAlgorithm | null {
  if (file.startsWith('ed25519')) return { name: 'Ed25519' };
  const hash = hashOf(g.sha);
  if (!hash) return null;
  if (file.startsWith('ecdsa')) return { name: 'ECDSA', hash };
  if (file.startsWith('rsa_signature')) return { name: 'RSA-PKCS1', hash };
  if (file.startsWith('rsa_pss')) {
    if (g.mgfSha !== g.sha) return null;
    return { name: 'RSA-PSS', hash, saltLength: g.sLen ?? 0 };
  }
  return null;
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
  if (!alg) return 'unsupported';
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
  it(`agrees on every vector of ${files.length} files except excluded files`, async () => {
    const tally = newTally('Wycheproof');
    const perFile: Record<string, { cases: number; agree: number }> = {};
    for (const file of files) {
      const j = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { testGroups: Group[] };
      const fileExcluded = exceptions.has(file);
      const stat = { cases: 0, agree: 0 };
      for (const g of j.testGroups) {
        for (const t of g.tests) {
          const got = await outcome(file, g, t);
          const id = `${file}#${t.tcId}`;
          stat.cases++;
          if (t.result === 'acceptable') {
            stat.agree++;
            score(tally, exceptions, id, 'any', 'any');
            continue;
          }
          const actual = got === 'unsupported' ? 'invalid(unsupported)' : got;
          const expected = t.result;
          if (actual === expected || (expected === 'invalid' && got === 'unsupported')) {
            stat.agree++;
            score(tally, exceptions, id, expected, expected);
          } else if (fileExcluded && got === 'unsupported') {
            tally.cases++;
            tally.excepted.push(id);
          } else score(tally, exceptions, id, expected, actual, t.flags.join(','));
        }
      }
      perFile[file] = stat;
    }
    console.log(summary(tally));
    console.log(JSON.stringify(perFile));
    expect(tally.unexpected).toEqual([]);
  });
});

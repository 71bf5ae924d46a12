/**
 * The node:crypto fast path (crypto/native-verify.ts) must decide exactly as the WebCrypto path:
 * every Wycheproof vector kyso verifies natively (RSA PKCS#1 v1.5, RSA-PSS with MGF1 = hash, ECDSA
 * DER, Ed25519) is run through `verifySignature` with the fast path on and off, and the outcomes
 * (true, false, or the error code thrown) must be identical, invalid encodings included.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { vectorsDir } from '../../../test-vectors/location.js';
import { fromHex } from '../src/bytes.js';
import { parsePublicKeyInfo } from '../src/crypto/keys.js';
import { nativeVerifyActive, setNativeVerify } from '../src/crypto/native-verify.js';
import type { HashAlgorithm, VerifyAlgorithm } from '../src/crypto/types.js';
import { verifySignature, verifySignatureSync } from '../src/crypto/verify.js';
import { isKysoError } from '../src/errors.js';

interface Group {
  publicKeyDer: string;
  sha?: string;
  mgfSha?: string;
  sLen?: number;
  tests: { tcId: number; msg: string; sig: string; result: string }[];
}

const dir = path.join(vectorsDir, 'wycheproof/testvectors_v1');
const WEB_HASHES = new Set(['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512']);

/** The algorithm for a group, or undefined when it never reaches WebCrypto/node:crypto. */
function algorithmFor(file: string, g: Group): VerifyAlgorithm | undefined {
  if (file.startsWith('ed25519')) return { name: 'Ed25519' };
  if (file.startsWith('ecdsa') && !file.includes('p1363') && WEB_HASHES.has(g.sha ?? ''))
    return { name: 'ECDSA', hash: g.sha as HashAlgorithm };
  if (!WEB_HASHES.has(g.sha ?? '')) return undefined;
  const hash = g.sha as HashAlgorithm;
  if (file.startsWith('rsa_signature')) return { name: 'RSA-PKCS1', hash };
  if (file.startsWith('rsa_pss') && g.sLen !== undefined && g.mgfSha === g.sha)
    return { name: 'RSA-PSS', hash, saltLength: g.sLen };
  return undefined;
}

async function outcome(
  spki: Uint8Array,
  alg: VerifyAlgorithm,
  msg: Uint8Array,
  sig: Uint8Array,
): Promise<string> {
  try {
    return String(await verifySignature(spki, alg, msg, sig));
  } catch (e) {
    if (isKysoError(e)) return `throws ${e.code}`;
    throw e;
  }
}

describe('node:crypto signature fast path', () => {
  it('is active on this Node (process.getBuiltinModule)', () => {
    expect(typeof (process as { getBuiltinModule?: unknown }).getBuiltinModule).toBe('function');
    expect(nativeVerifyActive()).toBe(true);
    const was = setNativeVerify(false);
    try {
      expect(nativeVerifyActive()).toBe(false);
    } finally {
      setNativeVerify(was);
    }
  });

  it('answers synchronously on Node and defers to WebCrypto when off', () => {
    const file = 'ed25519_test.json';
    const g = (JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { testGroups: Group[] })
      .testGroups[0]!;
    const t = g.tests.find((x) => x.result === 'valid')!;
    const args = [fromHex(g.publicKeyDer), { name: 'Ed25519' }, fromHex(t.msg), fromHex(t.sig)] as const;
    expect(verifySignatureSync(...args)).toBe(true);
    const was = setNativeVerify(false);
    try {
      const r = verifySignatureSync(...args);
      expect(typeof r).toBe('object');
    } finally {
      setNativeVerify(was);
    }
  });

  it('decides every WebCrypto-capable Wycheproof vector exactly as WebCrypto', async () => {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.json'));
    let compared = 0;
    const differences: string[] = [];
    const seen = new Set<string>();
    for (const file of files) {
      const j = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as { testGroups: Group[] };
      for (const g of j.testGroups) {
        const alg = algorithmFor(file, g);
        if (!alg) continue;
        seen.add(alg.name);
        // A fresh parse per backend: nothing cached by one path is reused by the other.
        let parsed = true;
        try {
          parsePublicKeyInfo(fromHex(g.publicKeyDer));
        } catch {
          parsed = false;
        }
        for (const t of g.tests) {
          const msg = fromHex(t.msg);
          const sig = fromHex(t.sig);
          const native = await outcome(fromHex(g.publicKeyDer), alg, msg, sig);
          const was = setNativeVerify(false);
          let web: string;
          try {
            web = await outcome(fromHex(g.publicKeyDer), alg, msg, sig);
          } finally {
            setNativeVerify(was);
          }
          compared++;
          if (native !== web)
            differences.push(
              `${file}#${t.tcId} (${t.result}, key parsed: ${parsed}): node ${native}, web ${web}`,
            );
        }
      }
    }
    expect(differences).toEqual([]);
    expect([...seen].sort()).toEqual(['ECDSA', 'Ed25519', 'RSA-PKCS1', 'RSA-PSS']);
    expect(compared).toBeGreaterThan(7000);
  });
});

/**
 * One validation of client-chosen signing parameters, before the SAD is spent (issue 14): for any
 * parameters the vault would refuse (asked directly, with the credential's own stored key),
 * signHash and signDoc answer 400 invalid_request and the SAD stays usable: a retry with good
 * parameters signs. PGlite, PostgreSQL and the SoftHSM2 vault; RSA-2048 and P-256 keys.
 */
import crypto from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { der, type HashAlgorithm, OID, type SignatureAlgorithm } from '@kyso/pki-core';
import { rowKey } from '../src/services/common.js';
import { checkSigningParams, maxPssSaltLength, SigningParamsError } from '../src/vault/params.js';
import type { StoredKey } from '../src/vault/types.js';
import { authorize, call, type Fetcher, provision, SHA256_OID, token } from './helpers/client.js';
import {
  type Backend,
  OtpDevice,
  requirePostgres,
  requireSoftHsm,
  startTestServer,
  type TestServer,
} from './helpers/env.js';

const backends: Backend[] = ['pglite'];
if (requirePostgres()) backends.push('postgres');
if (requireSoftHsm()) backends.push('softhsm');

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const HASHES: HashAlgorithm[] = ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'];
const HASH_OID: Record<HashAlgorithm, string> = {
  'SHA-1': '1.3.14.3.2.26',
  'SHA-256': '2.16.840.1.101.3.4.2.1',
  'SHA-384': '2.16.840.1.101.3.4.2.2',
  'SHA-512': '2.16.840.1.101.3.4.2.3',
};
const RSA_PKCS1_OID: Record<HashAlgorithm, string> = {
  'SHA-1': '1.2.840.113549.1.1.5',
  'SHA-256': '1.2.840.113549.1.1.11',
  'SHA-384': '1.2.840.113549.1.1.12',
  'SHA-512': '1.2.840.113549.1.1.13',
};
const ECDSA_OID: Record<HashAlgorithm, string> = {
  'SHA-1': '1.2.840.10045.4.1',
  'SHA-256': '1.2.840.10045.4.3.2',
  'SHA-384': '1.2.840.10045.4.3.3',
  'SHA-512': '1.2.840.10045.4.3.4',
};

/** RSASSA-PSS-params DER written by hand (any saltLength, MGF1 hash, trailerField). */
function pssParams(hash: HashAlgorithm, mgfHash: HashAlgorithm, salt: number, trailer: number): Uint8Array {
  const hashId = (h: HashAlgorithm) => der.seq(der.oid(HASH_OID[h]), der.nul());
  return der.seq(
    ...[
      hash === 'SHA-1' ? undefined : der.explicit(0, hashId(hash)),
      mgfHash === 'SHA-1' ? undefined : der.explicit(1, der.seq(der.oid(OID.mgf1), hashId(mgfHash))),
      salt === 20 ? undefined : der.explicit(2, der.integer(BigInt(salt))),
      trailer === 1 ? undefined : der.explicit(3, der.integer(BigInt(trailer))),
    ].filter((x): x is Uint8Array => x !== undefined),
  );
}

/** What a client may send: the algorithm's shape, its hash, hashAlgorithmOID's hash, the digest length. */
interface Case {
  kind: 'pkcs1' | 'pss' | 'ecdsa' | 'rsaEncryption' | 'ecPublicKey';
  hash: HashAlgorithm;
  mgfHash: HashAlgorithm;
  salt: number;
  trailer: number;
  oidHash: HashAlgorithm;
  digestLen: number;
}

const caseArb = (modBits: number): fc.Arbitrary<Case> =>
  fc.record({
    kind: fc.constantFrom('pkcs1', 'pss', 'pss', 'pss', 'ecdsa', 'rsaEncryption', 'ecPublicKey'),
    hash: fc.constantFrom(...HASHES),
    mgfHash: fc.oneof(fc.constant<HashAlgorithm>('SHA-256'), fc.constantFrom(...HASHES)),
    // Around the RFC 8017 bound for every hash (SHA-256: 222 on RSA-2048), and anywhere.
    salt: fc.oneof(
      fc.integer({ min: -2, max: 3 }).map((d) => maxPssSaltLength(modBits, 32) + d),
      fc.integer({ min: -2, max: 3 }).map((d) => maxPssSaltLength(modBits, 48) + d),
      fc.integer({ min: -2, max: 3 }).map((d) => maxPssSaltLength(modBits, 64) + d),
      fc.integer({ min: 0, max: 2000 }),
    ),
    trailer: fc.oneof(fc.constant(1), fc.integer({ min: 0, max: 3 })),
    oidHash: fc.oneof(fc.constant<HashAlgorithm>('SHA-256'), fc.constantFrom(...HASHES)),
    digestLen: fc.oneof(fc.constant(32), fc.constantFrom(20, 31, 33, 48, 64)),
  });

/** The client's request fields for a case. */
function request(c: Case): { signAlgo: string; signAlgoParams?: string; hashAlgorithmOID: string } {
  const hashAlgorithmOID = HASH_OID[c.oidHash];
  switch (c.kind) {
    case 'pkcs1':
      return { signAlgo: RSA_PKCS1_OID[c.hash], hashAlgorithmOID };
    case 'ecdsa':
      return { signAlgo: ECDSA_OID[c.hash], hashAlgorithmOID };
    case 'rsaEncryption':
      return { signAlgo: '1.2.840.113549.1.1.1', hashAlgorithmOID };
    case 'ecPublicKey':
      return { signAlgo: '1.2.840.10045.2.1', hashAlgorithmOID };
    case 'pss':
      return {
        signAlgo: OID.rsassaPss,
        signAlgoParams: b64(pssParams(c.hash, c.mgfHash, Math.max(c.salt, 0), c.trailer)),
        hashAlgorithmOID,
      };
  }
}

/** The algorithm the vault is asked to use for a case, or why a vault cannot even be asked. */
function vaultAlgorithm(c: Case): SignatureAlgorithm | 'unrepresentable' {
  const hash = c.kind === 'rsaEncryption' || c.kind === 'ecPublicKey' ? c.oidHash : c.hash;
  if (hash !== c.oidHash) return 'unrepresentable'; // the signature would not be over the digest's hash
  switch (c.kind) {
    case 'pkcs1':
    case 'rsaEncryption':
      return { name: 'RSA-PKCS1', hash };
    case 'ecdsa':
    case 'ecPublicKey':
      return { name: 'ECDSA', hash };
    case 'pss':
      // The signing vaults take MGF1 with the message hash and trailerField 1 only.
      if (c.mgfHash !== c.hash || c.trailer !== 1) return 'unrepresentable';
      return { name: 'RSA-PSS', hash, saltLength: c.salt };
  }
}

it('checkSigningParams: RSASSA-PSS salt bound is emLen - hLen - 2 (RFC 8017 9.1.1)', () => {
  const rsa2048 = { type: 'RSA', modulusLength: 2048 } as const;
  expect(maxPssSaltLength(2048, 32)).toBe(222);
  expect(() =>
    checkSigningParams({ name: 'RSA-PSS', hash: 'SHA-256', saltLength: 222 }, rsa2048),
  ).not.toThrow();
  expect(() => checkSigningParams({ name: 'RSA-PSS', hash: 'SHA-256', saltLength: 223 }, rsa2048)).toThrow(
    SigningParamsError,
  );
  // emBits = modBits - 1: a 2049-bit modulus has emLen 256, one more byte of salt than 2048 bits.
  expect(maxPssSaltLength(2049, 32)).toBe(222);
  expect(maxPssSaltLength(2050, 32)).toBe(223);
  expect(() => checkSigningParams({ name: 'ECDSA', hash: 'SHA-256' }, rsa2048)).toThrow(SigningParamsError);
  expect(() => checkSigningParams({ name: 'RSA-PKCS1', hash: 'SHA-1' }, rsa2048)).toThrow(SigningParamsError);
  expect(() =>
    checkSigningParams({ name: 'ECDSA', hash: 'SHA-384' }, { type: 'EC', curve: 'P-256' }, [
      new Uint8Array(32),
    ]),
  ).toThrow(SigningParamsError);
});

describe.each(backends)('signing parameters are validated before the SAD is spent (%s)', (backend) => {
  let s: TestServer;
  let f: Fetcher;
  beforeAll(async () => {
    s = await startTestServer(backend);
    f = (path, init) => Promise.resolve(s.kyso.app.request(path, init));
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  describe.each([
    { label: 'RSA-2048', key: { type: 'RSA' as const, modulusLength: 2048 }, good: '1.2.840.113549.1.1.11' },
    { label: 'P-256', key: { type: 'EC' as const, curve: 'P-256' }, good: '1.2.840.10045.4.3.2' },
  ])('$label', ({ key, good }) => {
    let p: Awaited<ReturnType<typeof provision>>;
    let otp: OtpDevice;
    let tok: string;
    let stored: StoredKey;
    let modBits = 2048;
    beforeAll(async () => {
      p = await provision(f, s.operatorKey, key);
      otp = new OtpDevice(p.otpauthUri);
      tok = await token(f, p.clientId, p.clientSecret);
      const k = (
        await s.kyso.ctx.db.query<{
          id: string;
          vault: string;
          spec: unknown;
          spki: Uint8Array;
          blob: unknown;
        }>('SELECT k.* FROM vault_keys k JOIN credentials c ON c.key_id = k.id WHERE c.id = $1', [
          p.credentialId,
        ])
      ).rows[0]!;
      stored = rowKey(k);
      if (stored.spec.type === 'RSA') modBits = stored.spec.modulusLength;
    }, 120_000);

    /** Does the credential's vault refuse this case (asked directly)? */
    async function vaultRefuses(c: Case): Promise<boolean> {
      const alg = vaultAlgorithm(c);
      if (alg === 'unrepresentable') return true;
      try {
        await s.kyso.ctx.vaults
          .byName(stored.vault)
          .signDigests(stored, alg, [crypto.randomBytes(c.digestLen)]);
        return false;
      } catch {
        return true;
      }
    }

    for (const method of ['signHash', 'signDoc'] as const) {
      it(`${method}: every parameter set the vault refuses is 400 invalid_request, and the SAD still signs`, async () => {
        const digest = crypto.randomBytes(32);
        const sad = await authorize(f, tok, p.credentialId, [b64(digest)], otp);
        expect(sad.status, JSON.stringify(sad.body)).toBe(200);
        const SAD = sad.body.SAD as string;
        const send = (
          fields: { signAlgo: string; signAlgoParams?: string; hashAlgorithmOID: string },
          d: Uint8Array,
        ) =>
          method === 'signHash'
            ? call(f, 'POST', '/csc/v2/signatures/signHash', {
                token: tok,
                json: { credentialID: p.credentialId, SAD, hashes: [b64(d)], ...fields },
              })
            : call(f, 'POST', '/csc/v2/signatures/signDoc', {
                token: tok,
                json: {
                  credentialID: p.credentialId,
                  SAD,
                  documentDigests: [
                    { hashes: [b64(d)], signature_format: 'P', conformance_level: 'Ades-B-B', ...fields },
                  ],
                },
              });
        let refused = 0;
        await fc.assert(
          fc.asyncProperty(caseArb(modBits), async (c) => {
            if (!(await vaultRefuses(c))) return; // the property is about refused parameters
            refused++;
            // The SAD's own digest when the length fits, so only the parameters can be wrong.
            const d = c.digestLen === 32 ? digest : crypto.randomBytes(c.digestLen);
            const r = await send(request(c), d);
            expect(r.status, `${JSON.stringify(c)} → ${JSON.stringify(r.body)}`).toBe(400);
            expect(r.body.error).toBe('invalid_request');
          }),
          { numRuns: backend === 'pglite' ? 60 : 30 },
        );
        expect(refused).toBeGreaterThan(10);
        // The reported case: RSASSA-PSS saltLength one above the bound, on the RSA key.
        if (key.type === 'RSA') {
          const over = await send(
            {
              signAlgo: OID.rsassaPss,
              signAlgoParams: b64(pssParams('SHA-256', 'SHA-256', 223, 1)),
              hashAlgorithmOID: SHA256_OID,
            },
            digest,
          );
          expect(over.status).toBe(400);
          expect(over.body.error_description).toMatch(/saltLength/);
        }
        // Nothing was spent: the same SAD signs with good parameters (PSS at the bound on RSA).
        const ok = await send(
          key.type === 'RSA'
            ? {
                signAlgo: OID.rsassaPss,
                signAlgoParams: b64(pssParams('SHA-256', 'SHA-256', maxPssSaltLength(modBits, 32), 1)),
                hashAlgorithmOID: SHA256_OID,
              }
            : { signAlgo: good, hashAlgorithmOID: SHA256_OID },
          digest,
        );
        expect(ok.status, JSON.stringify(ok.body)).toBe(200);
        expect(method === 'signHash' ? ok.body.signatures : ok.body.SignatureObject).toHaveLength(1);
      }, 300_000);
    }
  });
});

/**
 * Hostile input bounds not covered elsewhere (issue 8; the list of existing parser fuzzers is in
 * docs/robustness.md):
 * - CSR mutation fuzzing: CertificationRequest.parse and verify() give typed errors only.
 * - A 100,000-entry CRL parses in bounded time and memory, lookups work; oversize input is refused
 *   before parsing.
 * - A path-building pool made to explode (layers of cross-certified CAs, K^L candidate paths, no
 *   trust anchor at the top): buildAndValidatePath stops quickly with BUDGET_EXCEEDED.
 * KYSO_FUZZ_RUNS raises the fuzz run count (as in der.property.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, type KeyPair } from '../src/crypto/keys.js';
import { LocalSigner } from '../src/crypto/signer.js';
import { Crl, MAX_CRL_SIZE } from '../src/crl.js';
import { CertificationRequest, createCsr } from '../src/csr.js';
import { bitString, explicit, integer, oid, seq, utcTime } from '../src/der.js';
import { isKysoError } from '../src/errors.js';
import { Name } from '../src/name.js';
import { CertificatePool, TrustStore, buildAndValidatePath } from '../src/path/index.js';
import type { Certificate } from '../src/x509/certificate.js';
import { issueCertificate } from '../src/x509/issue.js';

const RUNS = Number(process.env.KYSO_FUZZ_RUNS ?? 300);

type Mutation =
  | { kind: 'set'; at: number; v: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; v: number }
  | { kind: 'delete'; at: number }
  | { kind: 'extend'; bytes: Uint8Array };
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
);
function mutate(src: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = src.slice();
  for (const m of ms) {
    const at = m.kind === 'extend' ? 0 : m.at % Math.max(1, b.length);
    if (m.kind === 'set') b[at] = m.v;
    else if (m.kind === 'truncate') b = b.slice(0, at);
    else if (m.kind === 'insert') b = Uint8Array.from([...b.slice(0, at), m.v, ...b.slice(at)]);
    else if (m.kind === 'delete') b = Uint8Array.from([...b.slice(0, at), ...b.slice(at + 1)]);
    else b = Uint8Array.from([...b, ...m.bytes]);
  }
  return b;
}

describe('CSR mutation fuzzing', () => {
  it('parse and verify: a request or a KysoError, never another exception', async () => {
    const csrs: Uint8Array[] = [];
    for (const spec of [
      { type: 'EC', curve: 'P-256' },
      { type: 'RSA', modulusLength: 2048 },
    ] as const) {
      const kp = await generateKeyPair(spec);
      const csr = await createCsr({
        subject: 'CN=Nguyễn Văn An,O=Kyso Test,C=VN',
        signer: new LocalSigner(kp),
        subjectAltName: [{ type: 'email', value: 'an@example.vn' }],
      });
      expect(await CertificationRequest.parse(csr.der).verify()).toBe(true);
      csrs.push(csr.der);
    }
    let parsed = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...csrs),
        fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
        async (der, ms) => {
          const m = mutate(der, ms);
          let req: CertificationRequest;
          try {
            req = CertificationRequest.parse(m);
          } catch (e) {
            if (!isKysoError(e)) throw e;
            refused++;
            return;
          }
          parsed++;
          try {
            await req.verify();
          } catch (e) {
            if (!isKysoError(e)) throw e;
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(refused).toBeGreaterThan(0);
    expect(parsed + refused).toBe(RUNS);
  });

  it('random bytes and PEM junk: KysoError only', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }).map((b) => b as Uint8Array | string),
          fc
            .string({ maxLength: 300 })
            .map((s) => `-----BEGIN CERTIFICATE REQUEST-----\n${s}\n-----END CERTIFICATE REQUEST-----\n`),
        ),
        (input) => {
          try {
            CertificationRequest.parse(input);
          } catch (e) {
            if (!isKysoError(e)) throw e;
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('huge CRLs', () => {
  const alg = seq(oid('1.2.840.10045.4.3.2'));
  const t0 = utcTime(new Date('2026-01-01T00:00:00Z'));
  const t1 = utcTime(new Date('2026-01-08T00:00:00Z'));
  const reasonExt = seq(oid('2.5.29.21'), new Uint8Array([0x04, 0x03, 0x0a, 0x01, 0x01]));

  it('a 100,000-entry CRL parses in bounded time and memory; lookups work', () => {
    const N = 100_000;
    const entries: Uint8Array[] = [];
    for (let i = 1; i <= N; i++)
      entries.push(seq(integer(1_000_000n + BigInt(i) * 7919n), t0, i % 10 ? undefined : seq(reasonExt)));
    const der = seq(
      seq(
        integer(1),
        alg,
        Name.parse('CN=Huge CRL CA,O=Kyso Test,C=VN').der,
        t0,
        t1,
        seq(...entries),
        explicit(0, seq(seq(oid('2.5.29.20'), new Uint8Array([0x04, 0x03, 0x02, 0x01, 0x07])))),
      ),
      alg,
      bitString(new Uint8Array(72)),
    );
    expect(der.length).toBeGreaterThan(2_000_000);
    globalThis.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const t = performance.now();
    const crl = Crl.fromDer(der);
    const ms = performance.now() - t;
    const heapMb = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;
    console.log(
      `[hostile] ${N}-entry CRL (${(der.length / 2 ** 20).toFixed(1)} MiB): parsed in ${ms.toFixed(0)} ms, heap +${heapMb.toFixed(0)} MiB`,
    );
    expect(crl.revoked).toHaveLength(N);
    expect(crl.isRevoked(1_000_000n + 50_000n * 7919n)).toBeDefined();
    expect(crl.isRevoked(1_000_001n)).toBeUndefined();
    expect(crl.crlNumber).toBe(7n);
    // Bounds: generous for a loaded 2-core CI machine (about 1 s and 100 MiB on an idle one).
    expect(ms).toBeLessThan(20_000);
    expect(heapMb).toBeLessThan(600);
  }, 60_000);

  it('input above MAX_CRL_SIZE is refused before parsing', () => {
    const big = new Uint8Array(MAX_CRL_SIZE + 1);
    big.set([0x30, 0x84, 0x04, 0x00, 0x00, 0x01]);
    const t = performance.now();
    let code: string | undefined;
    try {
      Crl.fromDer(big);
    } catch (e) {
      if (!isKysoError(e)) throw e;
      code = e.code;
    }
    expect(code).toBe('INPUT_TOO_LARGE');
    expect(performance.now() - t).toBeLessThan(1000);
  });
});

describe('path building against an exploding pool', () => {
  it('layers of cross-certified CAs (6^6 candidate paths, no anchor) end in BUDGET_EXCEEDED quickly', async () => {
    const L = 6;
    const K = 6;
    const notBefore = new Date(Date.now() - 3_600_000);
    const spec = { type: 'EC', curve: 'P-256' } as const;
    const hiddenRootKey = await generateKeyPair(spec);
    const hiddenRoot = await issueCertificate({
      profile: 'root-ca',
      subject: 'CN=Hidden Root,O=Kyso Test,C=VN',
      notBefore: new Date(notBefore.getTime() - 3_600_000),
      notAfter: new Date(notBefore.getTime() + 3650 * 86_400_000),
      publicKey: hiddenRootKey.publicKeyInfo,
      signer: new LocalSigner(hiddenRootKey),
    });
    // layer[i][j]: key and every certificate of CA (i, j); layer L-1 is issued by the hidden root.
    const layers: { key: KeyPair; name: string; certs: Certificate[] }[][] = [];
    for (let i = 0; i < L; i++) {
      const row = [];
      for (let j = 0; j < K; j++)
        row.push({
          key: await generateKeyPair(spec),
          name: `CN=CA ${i}.${j},O=Kyso Test,C=VN`,
          certs: [] as Certificate[],
        });
      layers.push(row);
    }
    for (let i = L - 1; i >= 0; i--) {
      for (const ca of layers[i]!) {
        const issuers =
          i === L - 1
            ? [{ certificate: hiddenRoot, signer: new LocalSigner(hiddenRootKey) }]
            : layers[i + 1]!.map((p) => ({ certificate: p.certs[0]!, signer: new LocalSigner(p.key) }));
        for (const issuer of issuers)
          ca.certs.push(
            await issueCertificate({
              profile: 'sub-ca',
              subject: ca.name,
              publicKey: ca.key.publicKeyInfo,
              issuer,
              pathLength: i + 1,
              notBefore,
              notAfter: new Date(notBefore.getTime() + (i + 2) * 30 * 86_400_000),
            }),
          );
      }
    }
    const leafKey = await generateKeyPair(spec);
    const leaf = await issueCertificate({
      profile: 'sub-ca',
      subject: 'CN=Leaf CA,O=Kyso Test,C=VN',
      publicKey: leafKey.publicKeyInfo,
      notBefore,
      notAfter: new Date(notBefore.getTime() + 30 * 86_400_000),
      issuer: { certificate: layers[0]![0]!.certs[0]!, signer: new LocalSigner(layers[0]![0]!.key) },
    });
    const pool = new CertificatePool(layers.flat().flatMap((c) => c.certs));
    const otherKey = await generateKeyPair(spec);
    const otherRoot = await issueCertificate({
      profile: 'root-ca',
      subject: 'CN=Unrelated Root,O=Kyso Test,C=VN',
      publicKey: otherKey.publicKeyInfo,
      signer: new LocalSigner(otherKey),
    });
    const t = performance.now();
    const r = await buildAndValidatePath({
      leaf,
      intermediates: pool,
      trustStore: new TrustStore([otherRoot]),
      time: new Date(),
    });
    const ms = performance.now() - t;
    console.log(
      `[hostile] ${L * K * K} cross-certificates, ${K ** L} candidate paths: ${r.reason} in ${ms.toFixed(0)} ms`,
    );
    expect(r.valid).toBe(false);
    expect(r.reason).toBe('BUDGET_EXCEEDED');
    expect(ms).toBeLessThan(30_000);

    // The same pool with the hidden root trusted: a path is found (the pool is well-formed).
    const ok = await buildAndValidatePath({
      leaf,
      intermediates: pool,
      trustStore: new TrustStore([hiddenRoot]),
      time: new Date(),
    });
    expect(ok.valid).toBe(true);
  }, 180_000);
});

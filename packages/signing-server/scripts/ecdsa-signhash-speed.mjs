#!/usr/bin/env node
// µs per ECDSA signature over a precomputed digest, in this process (no HTTP, no database):
//   native  - the vault's digestSigner (prehash.ts): native k·G, blinded BigInt s, native
//             self-check per signature, key check at creation and finish(); batch of 50 with
//             signAll (batch inversions) and with sign() per digest, and batch of 1 (signer
//             created, one digest, finish, destroy)
//   noble   - @noble/curves sign + ecdsaVerifyDigest (the previous vault path)
//   node    - crypto.sign(hash, 64-byte message, key): OpenSSL, hashing included, no self-check
// Run after `npx tsc -b packages/signing-server/tsconfig.build.json`:
//   node packages/signing-server/scripts/ecdsa-signhash-speed.mjs [milliseconds per case]
import crypto from 'node:crypto';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { digestSigner, ecdsaVerifyDigest } from '../dist/vault/prehash.js';

const MS = Number(process.argv[2] ?? 1500);
const NOBLE = { 'P-256': p256, 'P-384': p384, 'P-521': p521 };
const HASH = {
  'P-256': ['SHA-256', 'sha256'],
  'P-384': ['SHA-384', 'sha384'],
  'P-521': ['SHA-512', 'sha512'],
};

/** µs per call of f (each call does `per` signatures), median of 3 timed runs after a warm-up. */
function measure(f, per = 1) {
  const run = (ms) => {
    let calls = 0;
    const t0 = process.hrtime.bigint();
    const end = t0 + BigInt(Math.round(ms * 1e6));
    let now = t0;
    while (now < end) {
      f();
      calls++;
      now = process.hrtime.bigint();
    }
    return Number(now - t0) / 1e3 / (calls * per);
  };
  run(MS / 4);
  const xs = [run(MS / 3), run(MS / 3), run(MS / 3)].sort((a, b) => a - b);
  return xs[1];
}

const rows = [];
for (const curve of ['P-256', 'P-384', 'P-521']) {
  const [hash, nodeHash] = HASH[curve];
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: curve });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const spec = { type: 'EC', curve };
  const alg = { name: 'ECDSA', hash };
  const msg = crypto.randomBytes(64);
  const digests = Array.from({ length: 50 }, () =>
    crypto.createHash(nodeHash).update(crypto.randomBytes(64)).digest(),
  );
  const jwk = privateKey.export({ format: 'jwk' });
  const d = Buffer.from(jwk.d, 'base64url');
  const point = Buffer.concat([
    Buffer.of(4),
    Buffer.from(jwk.x, 'base64url'),
    Buffer.from(jwk.y, 'base64url'),
  ]);

  const batch50 = measure(() => {
    const s = digestSigner(privateKey, spec, alg, spki);
    try {
      s.signAll(digests);
      s.finish();
    } finally {
      s.destroy();
    }
  }, 50);
  const batch50one = measure(() => {
    const s = digestSigner(privateKey, spec, alg, spki);
    try {
      for (const dg of digests) s.sign(dg);
      s.finish();
    } finally {
      s.destroy();
    }
  }, 50);
  const batch1 = measure(() => {
    const s = digestSigner(privateKey, spec, alg, spki);
    try {
      s.sign(digests[0]);
      s.finish();
    } finally {
      s.destroy();
    }
  });
  let i = 0;
  const noble = measure(() => {
    const dg = digests[i++ % 50];
    const sig = NOBLE[curve].sign(dg, d, { prehash: false, format: 'der', lowS: false });
    if (!ecdsaVerifyDigest(curve, point, sig, dg)) throw new Error('noble self-check failed');
  });
  const node = measure(() => crypto.sign(nodeHash, msg, privateKey));
  rows.push({ curve, hash, batch50, batch50one, batch1, noble, node });
}

console.log(`node ${process.version}, OpenSSL ${process.versions.openssl}, ${MS} ms per case`);
const cols = [
  ['native signAll x50', 'batch50'],
  ['native sign() x50', 'batch50one'],
  ['native x1', 'batch1'],
  ['noble sign+verify', 'noble'],
  ['node crypto.sign', 'node'],
];
console.log(`curve  digest   ${cols.map(([h]) => h).join('  ')}  signAll x50 / crypto.sign`);
for (const r of rows)
  console.log(
    `${r.curve}  ${r.hash}  ${cols.map(([h, k]) => r[k].toFixed(1).padStart(h.length)).join('  ')}  ${(
      r.batch50 / r.node
    )
      .toFixed(2)
      .padStart(25)}`,
  );

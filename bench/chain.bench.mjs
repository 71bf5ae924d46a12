/**
 * Chain validation: `buildAndValidatePath` on a 3-certificate chain (root -> intermediate -> leaf),
 * against the raw signature verifications that chain needs (2: leaf by intermediate, intermediate
 * by root) with node:crypto, in the same run. Cold leaf: every iteration parses a leaf it has not
 * seen before (a pool of distinct pre-issued leaves, DER only); warm intermediates: the intermediate
 * pool and the trust store are built once, so their parsed certificates and imported keys are
 * reused. Baseline keys are node:crypto KeyObjects created once (warm as well).
 * Needs `npm run build` (imports packages/pki-core/dist). Goal (issue 3): at most 2x the raw cost.
 */
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { QUICK, compare, report } from './lib.mjs';

const dist = new URL('../packages/pki-core/dist/', import.meta.url);
const pki = await import(new URL('index.js', dist).href);
const {
  Certificate,
  CertificatePool,
  LocalSigner,
  TrustStore,
  buildAndValidatePath,
  generateKeyPair,
  issueCertificate,
} = pki;

let pkijs;
try {
  pkijs = await import('pkijs');
} catch {
  // optional comparison
}

const LEAVES = QUICK ? 16 : 256;
const now = new Date();

async function makeChain(spec) {
  const rootKey = await generateKeyPair(spec);
  const icaKey = await generateKeyPair(spec);
  const rootSigner = new LocalSigner(rootKey);
  const root = await issueCertificate({
    profile: 'root-ca',
    subject: 'C=VN, O=kyso, CN=Bench Root',
    publicKey: rootKey.publicKeyInfo,
    signer: rootSigner,
    now,
  });
  const ica = await issueCertificate({
    profile: 'sub-ca',
    subject: 'C=VN, O=kyso, CN=Bench Intermediate',
    publicKey: icaKey.publicKeyInfo,
    issuer: { certificate: root, signer: rootSigner },
    now,
  });
  const icaSigner = new LocalSigner(icaKey, [ica.der]);
  // One leaf key is enough: what is cold is the certificate (its parse and its signature check).
  const leafKey = await generateKeyPair(spec);
  const leaves = [];
  for (let i = 0; i < LEAVES; i++) {
    const leaf = await issueCertificate({
      profile: 'person-signing',
      subject: `C=VN, O=kyso, CN=Bench Leaf ${i}`,
      publicKey: leafKey.publicKeyInfo,
      issuer: { certificate: ica, signer: icaSigner },
      now,
    });
    leaves.push(leaf.der);
  }
  return { root, ica, leaves };
}

const nodeHash = (der) => {
  const c = Certificate.fromDer(der);
  const alg = pki.parseSignatureAlgorithm(c.signatureAlgorithm);
  return { tbs: c.tbs, sig: c.signatureValue, hash: alg.hash.replace('-', '').toLowerCase() };
};

const results = [];
for (const [label, spec] of [
  ['P-256', { type: 'EC', curve: 'P-256' }],
  ['RSA-2048', { type: 'RSA', modulusLength: 2048 }],
]) {
  const { root, ica, leaves } = await makeChain(spec);
  const time = new Date(now.getTime() + 3600_000);
  const trustStore = new TrustStore();
  trustStore.add(root);
  const pool = new CertificatePool([ica]);
  // Sanity: a valid chain (and one the bench would notice breaking).
  const first = await buildAndValidatePath({
    leaf: Certificate.fromDer(leaves[0]),
    intermediates: pool,
    trustStore,
    time,
  });
  if (!first.valid) throw new Error(`${label}: chain does not validate: ${first.reason} ${first.detail}`);

  const rootKey = createPublicKey({ key: Buffer.from(root.spki), format: 'der', type: 'spki' });
  const icaKey = createPublicKey({ key: Buffer.from(ica.spki), format: 'der', type: 'spki' });
  const icaSig = nodeHash(ica.der);
  const leafSigs = leaves.map(nodeHash);

  let i = 0;
  const kyso = async () => {
    const leaf = Certificate.fromDer(leaves[i++ % LEAVES]);
    const r = await buildAndValidatePath({ leaf, intermediates: pool, trustStore, time });
    if (!r.valid) throw new Error('invalid');
  };
  let j = 0;
  const raw = () => {
    const l = leafSigs[j++ % LEAVES];
    if (!nodeVerify(l.hash, l.tbs, icaKey, l.sig)) throw new Error('leaf');
    if (!nodeVerify(icaSig.hash, icaSig.tbs, rootKey, icaSig.sig)) throw new Error('ica');
  };
  results.push(
    await compare({
      name: `buildAndValidatePath, 3-certificate ${label} chain (cold leaf, warm intermediate)`,
      fn: kyso,
      baseline: { name: 'node:crypto verify x2 (the chain signatures)', fn: raw },
      goal: '<= 2x',
      goalRatio: 2,
      notes:
        'each kyso iteration parses a never-seen leaf and runs full RFC 5280 validation: 1 synchronous node:crypto verify on a cached KeyObject (the leaf; the intermediate-by-root outcome is cached per certificate pair across validations) plus parsing and checks; baseline: the 2 raw synchronous verifies with warm KeyObjects',
    }),
  );
  // Share of the kyso figure spent parsing the cold leaf (x509/certificate.ts), same baseline.
  let p = 0;
  results.push(
    await compare({
      name: `  of which: Certificate.fromDer of the cold leaf, ${label}`,
      fn: () => {
        Certificate.fromDer(leaves[p++ % LEAVES]);
      },
      baseline: { name: 'node:crypto verify x2 (the chain signatures)', fn: raw },
      notes: 'the strict DER parse every kyso iteration above starts with (not a goal of its own)',
    }),
  );
  if (pkijs) {
    const toAb = (u8) => u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength);
    const pIca = pkijs.Certificate.fromBER(toAb(ica.der));
    const pRoot = pkijs.Certificate.fromBER(toAb(root.der));
    let k = 0;
    results.push(
      await compare({
        name: `pkijs Certificate.verify x2, ${label} (for comparison)`,
        fn: async () => {
          const leaf = pkijs.Certificate.fromBER(toAb(leaves[k++ % LEAVES]));
          if (!(await leaf.verify(pIca))) throw new Error('pkijs leaf');
          if (!(await pIca.verify(pRoot))) throw new Error('pkijs ica');
        },
        baseline: { name: 'node:crypto verify x2 (the chain signatures)', fn: raw },
        notes: 'signatures only, no path validation',
      }),
    );
  }
}
report(results);

/**
 * Path validation options (validate.ts / build.ts / trust anchors / revocation policy), each with a
 * case that passes and one that fails: ekuStrictness, minRsaModulusBits, allowSha1Signatures,
 * trustedLeaf (allow / deny / require-self-signed), anchor checkValidity and
 * requireBasicConstraints, the revocation policy's requireCrlNumber, and the purposes c2paManifest,
 * c2paTimestamping and rcsMlsClient (also through `kyso verify chain --purpose`). Certificates are
 * built with pki-core (`buildCertificate`), SHA-1 ones and a CRL without cRLNumber by hand.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/cli/framework.js';
import { verifyChainCommand } from '../src/cli/verify-chain.js';
import { issueCrl } from '../src/crl.js';
import { encodeSignatureAlgorithm } from '../src/crypto/algorithms.js';
import { ecdsaP1363ToDer } from '../src/crypto/ecdsa.js';
import { type KeyPair, generateKeyPair, keyIdentifier } from '../src/crypto/keys.js';
import { LocalSigner } from '../src/crypto/signer.js';
import type { SignatureAlgorithm } from '../src/crypto/types.js';
import { bitString, explicit, integer, integerFromUnsigned, seq, time } from '../src/der.js';
import { Name } from '../src/name.js';
import { OID } from '../src/oids.js';
import { pemEncode } from '../src/pem.js';
import { type BuildOptions, buildAndValidatePath } from '../src/path/build.js';
import { CertificatePool, TrustStore } from '../src/path/trust-store.js';
import { OID_KP_RCS_MLS_CLIENT } from '../src/path/validate.js';
import { newRevocationChecker } from '../src/revocation/index.js';
import { Certificate } from '../src/x509/certificate.js';
import {
  type Extension,
  type KeyUsage,
  encodeAuthorityKeyIdentifier,
  encodeBasicConstraints,
  encodeExtKeyUsage,
  encodeExtension,
  encodeKeyUsage,
  encodeSubjectKeyIdentifier,
} from '../src/x509/extensions.js';
import { buildCertificate } from '../src/x509/issue.js';
import { tmpDir } from './helpers/tools.js';

const T = new Date('2026-06-01T00:00:00Z');
const NB = new Date('2025-01-01T00:00:00Z');
const NA = new Date('2030-01-01T00:00:00Z');
const ROOT = 'CN=Options Root,O=kyso,C=VN';
const ICA = 'CN=Options CA,O=kyso,C=VN';

interface Spec {
  subject: string;
  key: KeyPair;
  /** Issuer name and key; self-signed when absent. */
  issuer?: { name: string; key: KeyPair };
  ca?: boolean;
  /** false: no basicConstraints at all. */
  bc?: boolean;
  ku?: KeyUsage[];
  eku?: string[];
  notBefore?: Date;
  notAfter?: Date;
  /** Signature algorithm; SHA-1 is signed by hand (kyso refuses to issue it). */
  alg?: SignatureAlgorithm;
}

async function extensionsFor(s: Spec): Promise<Extension[]> {
  const issuerKey = s.issuer?.key ?? s.key;
  const ext: Extension[] = [];
  if (s.bc !== false)
    ext.push({
      oid: OID.basicConstraints,
      critical: true,
      value: encodeBasicConstraints({ ca: s.ca === true }),
    });
  const ku = s.ku ?? (s.ca ? ['keyCertSign', 'cRLSign'] : ['digitalSignature']);
  ext.push({ oid: OID.keyUsage, critical: true, value: encodeKeyUsage(ku) });
  if (s.eku) ext.push({ oid: OID.extKeyUsage, critical: false, value: encodeExtKeyUsage(s.eku) });
  ext.push({
    oid: OID.subjectKeyIdentifier,
    critical: false,
    value: encodeSubjectKeyIdentifier(await keyIdentifier(s.key.publicKeyInfo)),
  });
  ext.push({
    oid: OID.authorityKeyIdentifier,
    critical: false,
    value: encodeAuthorityKeyIdentifier({ keyIdentifier: await keyIdentifier(issuerKey.publicKeyInfo) }),
  });
  return ext;
}

async function cert(s: Spec): Promise<Certificate> {
  const issuerName = s.issuer?.name ?? s.subject;
  const issuerKey = s.issuer?.key ?? s.key;
  const extensions = await extensionsFor(s);
  const notBefore = s.notBefore ?? NB;
  const notAfter = s.notAfter ?? NA;
  if (s.alg?.name === 'ECDSA' && s.alg.hash === 'SHA-1') {
    const algDer = encodeSignatureAlgorithm(s.alg, { allowSha1: true });
    const tbs = seq(
      explicit(0, integer(2)),
      integerFromUnsigned(
        crypto.getRandomValues(new Uint8Array(16)).map((b, i) => (i === 0 ? (b & 0x7f) | 1 : b)),
      ),
      algDer,
      Name.from(issuerName).der,
      seq(time(notBefore), time(notAfter)),
      Name.from(s.subject).der,
      s.key.publicKeyInfo.der,
      explicit(3, seq(...extensions.map(encodeExtension))),
    );
    const p1363 = new Uint8Array(
      await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-1' }, issuerKey.privateKey, new Uint8Array(tbs)),
    );
    return Certificate.fromDer(seq(tbs, algDer, bitString(ecdsaP1363ToDer(p1363))));
  }
  return buildCertificate({
    subject: s.subject,
    issuer: issuerName,
    publicKey: s.key.publicKeyInfo,
    signer: new LocalSigner(issuerKey),
    notBefore,
    notAfter,
    extensions,
    ...(s.alg ? { signatureAlgorithm: s.alg } : {}),
  });
}

let rootKey: KeyPair;
let icaKey: KeyPair;
let leafKey: KeyPair;
let root: Certificate;
let ica: Certificate;

beforeAll(async () => {
  [rootKey, icaKey, leafKey] = await Promise.all([
    generateKeyPair({ type: 'EC', curve: 'P-256' }),
    generateKeyPair({ type: 'EC', curve: 'P-256' }),
    generateKeyPair({ type: 'EC', curve: 'P-256' }),
  ]);
  root = await cert({ subject: ROOT, key: rootKey, ca: true });
  ica = await cert({ subject: ICA, key: icaKey, issuer: { name: ROOT, key: rootKey }, ca: true });
});

const leafSpec = (s: Partial<Spec> = {}): Spec => ({
  subject: 'CN=Leaf,O=kyso,C=VN',
  key: leafKey,
  issuer: { name: ICA, key: icaKey },
  ...s,
});

/** Validates `leaf` under `root` through `ica` (or the given intermediates / store). */
async function validate(leaf: Certificate, opts: Partial<BuildOptions> = {}) {
  return buildAndValidatePath({
    leaf,
    intermediates: new CertificatePool([ica]),
    trustStore: new TrustStore([root]),
    time: T,
    ...opts,
  });
}

describe('ekuStrictness', () => {
  it("'strict-leaf': the leaf EKU must name the purpose; anyEKU or extra TLS-incompatible EKUs fail", async () => {
    const named = await cert(leafSpec({ eku: [OID.serverAuth] }));
    const any = await cert(leafSpec({ eku: [OID.anyExtendedKeyUsage] }));
    const extra = await cert(leafSpec({ eku: [OID.serverAuth, OID.codeSigning] }));
    expect((await validate(named, { purpose: 'serverAuth', ekuStrictness: 'strict-leaf' })).valid).toBe(true);
    // The default mode accepts anyExtendedKeyUsage; the strict one does not.
    expect((await validate(any, { purpose: 'serverAuth' })).valid).toBe(true);
    const r = await validate(any, { purpose: 'serverAuth', ekuStrictness: 'strict-leaf' });
    expect(r.valid).toBe(false);
    expect(r.reason).toBe('EKU_MISMATCH');
    const r2 = await validate(extra, { purpose: 'serverAuth', ekuStrictness: 'strict-leaf' });
    expect(r2.reason).toBe('EKU_MISMATCH');
    expect(r2.detail).toMatch(/strict mode: leaf EKU also allows/);
  });

  it("'strict': every CA EKU must name the purpose (anyEKU is not enough)", async () => {
    const leaf = await cert(leafSpec({ eku: [OID.clientAuth] }));
    const icaNamed = await cert({
      subject: ICA,
      key: icaKey,
      issuer: { name: ROOT, key: rootKey },
      ca: true,
      eku: [OID.clientAuth],
    });
    const icaAny = await cert({
      subject: ICA,
      key: icaKey,
      issuer: { name: ROOT, key: rootKey },
      ca: true,
      eku: [OID.anyExtendedKeyUsage],
    });
    // The anchor certificate is enforced, so it is a CA whose EKU counts too.
    const rootNamed = await cert({ subject: ROOT, key: rootKey, ca: true, eku: [OID.clientAuth] });
    const opts = {
      purpose: 'clientAuth',
      ekuStrictness: 'strict',
      trustStore: new TrustStore([rootNamed]),
    } as const;
    const ok = await validate(leaf, { ...opts, intermediates: [icaNamed] });
    expect(ok.valid, `${ok.reason} ${ok.detail}`).toBe(true);
    const r = await validate(leaf, { ...opts, intermediates: [icaAny] });
    expect(r.valid).toBe(false);
    expect(r.reason).toBe('EKU_MISMATCH');
    // A CA without EKU: accepted for serverAuth only.
    const rNoEku = await validate(leaf, opts);
    expect(rNoEku.reason).toBe('EKU_MISMATCH');
    expect(rNoEku.detail).toMatch(/CA certificate without extendedKeyUsage/);
    expect((await validate(leaf, { ...opts, ekuStrictness: 'default' })).valid).toBe(true);
  });
});

describe('minRsaModulusBits', () => {
  it('accepts keys at the minimum and refuses smaller ones with WEAK_ALGORITHM', async () => {
    const rsa = await generateKeyPair({ type: 'RSA', modulusLength: 2048 });
    const leaf = await cert(leafSpec({ key: rsa }));
    expect((await validate(leaf, { minRsaModulusBits: 2048 })).valid).toBe(true);
    const r = await validate(leaf, { minRsaModulusBits: 3072 });
    expect(r.valid).toBe(false);
    expect(r.reason).toBe('WEAK_ALGORITHM');
    expect(r.detail).toMatch(/RSA key of 2048 bits \(minimum 3072\)/);
    expect(r.checks.find((c) => c.check === 'algorithm' && c.status === 'failed')?.certIndex).toBe(0);
  });
});

describe('allowSha1Signatures', () => {
  it('SHA-1 certificate signatures verify by default and are refused with allowSha1Signatures: false', async () => {
    const leaf = await cert(leafSpec({ alg: { name: 'ECDSA', hash: 'SHA-1' } }));
    expect(leaf.signatureAlgorithmOid).toBe('1.2.840.10045.4.1'); // ecdsa-with-SHA1
    expect((await validate(leaf)).valid).toBe(true);
    const r = await validate(leaf, { allowSha1Signatures: false });
    expect(r.valid).toBe(false);
    expect(r.reason).toBe('WEAK_ALGORITHM');
    expect(r.detail).toBe('signature uses SHA-1');
    // A SHA-256 chain passes the same policy.
    expect((await validate(await cert(leafSpec()), { allowSha1Signatures: false })).valid).toBe(true);
  });
});

describe('trustedLeaf', () => {
  it("'allow' (default) validates a leaf that is itself trusted, alone", async () => {
    const leaf = await cert(leafSpec());
    const r = await validate(leaf, { trustStore: new TrustStore([leaf]), intermediates: [] });
    expect(r.valid).toBe(true);
    expect(r.chain).toHaveLength(1);
    const r2 = await validate(leaf, {
      trustStore: new TrustStore([leaf]),
      intermediates: [],
      trustedLeaf: 'deny',
    });
    expect(r2.valid).toBe(false);
  });

  it("'deny' requires a path to another anchor", async () => {
    const leaf = await cert(leafSpec());
    const r = await validate(leaf, { trustStore: new TrustStore([leaf, root]), trustedLeaf: 'deny' });
    expect(r.valid).toBe(true);
    expect(r.chain.map((c) => c.subject.toString())).toEqual([leaf.subject.toString(), ICA, ROOT]);
    const r2 = await validate(leaf, { trustStore: new TrustStore([leaf]), trustedLeaf: 'deny' });
    expect(r2.valid).toBe(false);
    expect(r2.reason).toBe('UNKNOWN_ISSUER');
  });

  it("'require-self-signed' accepts a trusted leaf only if it signs itself", async () => {
    const self = await cert({ subject: 'CN=Self Leaf,O=kyso,C=VN', key: leafKey });
    const r = await validate(self, {
      trustStore: new TrustStore([self]),
      intermediates: [],
      trustedLeaf: 'require-self-signed',
    });
    expect(r.valid).toBe(true);
    expect(r.chain).toHaveLength(1);
    const issued = await cert(leafSpec());
    const r2 = await validate(issued, {
      trustStore: new TrustStore([issued]),
      intermediates: [],
      trustedLeaf: 'require-self-signed',
    });
    expect(r2.valid).toBe(false);
    expect(r2.reason).toBe('NAME_CHAINING');
    expect(r2.detail).toMatch(/not self-signed/);
    // Same name as issuer but signed by another key: refused by the signature.
    const forged = await cert({
      subject: 'CN=Forged,O=kyso,C=VN',
      key: leafKey,
      issuer: { name: 'CN=Forged,O=kyso,C=VN', key: icaKey },
    });
    const r3 = await validate(forged, {
      trustStore: new TrustStore([forged]),
      intermediates: [],
      trustedLeaf: 'require-self-signed',
    });
    expect(r3.valid).toBe(false);
    expect(r3.reason).toBe('SIGNATURE_INVALID');
  });
});

describe('trust anchor options', () => {
  it('checkValidity: an expired anchor fails by default and passes with checkValidity: false', async () => {
    const oldRoot = await cert({
      subject: ROOT,
      key: rootKey,
      ca: true,
      notBefore: new Date('2020-01-01T00:00:00Z'),
      notAfter: new Date('2021-01-01T00:00:00Z'),
    });
    const leaf = await cert(leafSpec());
    const strict = new TrustStore();
    strict.add(oldRoot);
    const r = await validate(leaf, { trustStore: strict });
    expect(r.valid).toBe(false);
    expect(r.reason).toBe('CERT_EXPIRED');
    expect(r.checks.find((c) => c.status === 'failed')?.certIndex).toBe(2);
    const lenient = new TrustStore();
    lenient.add(oldRoot, { checkValidity: false });
    expect((await validate(leaf, { trustStore: lenient })).valid).toBe(true);
  });

  it('requireBasicConstraints: an anchor without basicConstraints needs requireBasicConstraints: false', async () => {
    const bareRoot = await cert({ subject: ROOT, key: rootKey, ca: true, bc: false });
    expect(bareRoot.basicConstraints).toBeUndefined();
    const leaf = await cert(leafSpec());
    const strict = new TrustStore();
    strict.add(bareRoot);
    const r = await validate(leaf, { trustStore: strict });
    expect(r.valid).toBe(false);
    expect(r.checks.some((c) => c.certIndex === 2 && c.status === 'failed')).toBe(true);
    const lenient = new TrustStore();
    lenient.add(bareRoot, { requireBasicConstraints: false });
    expect((await validate(leaf, { trustStore: lenient })).valid).toBe(true);
    // Still enforced when present: keyUsage without keyCertSign fails even then.
    const noSign = await cert({ subject: ROOT, key: rootKey, ca: true, bc: false, ku: ['cRLSign'] });
    const s3 = new TrustStore();
    s3.add(noSign, { requireBasicConstraints: false });
    expect((await validate(leaf, { trustStore: s3 })).reason).toBe('KEY_USAGE_INVALID');
  });
});

describe('revocation policy requireCrlNumber', () => {
  /** A v2 CRL by the intermediate without any cRLNumber (kyso's issueCrl always writes one). */
  async function crlWithoutNumber(): Promise<Uint8Array> {
    const alg: SignatureAlgorithm = { name: 'ECDSA', hash: 'SHA-256' };
    const algDer = encodeSignatureAlgorithm(alg);
    const aki = encodeAuthorityKeyIdentifier({ keyIdentifier: ica.subjectKeyIdentifier! });
    const tbs = seq(
      integer(1),
      algDer,
      ica.subject.der,
      time(new Date('2026-05-01T00:00:00Z')),
      time(new Date('2026-07-01T00:00:00Z')),
      explicit(0, seq(encodeExtension({ oid: OID.authorityKeyIdentifier, critical: false, value: aki }))),
    );
    const p1363 = new Uint8Array(
      await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, icaKey.privateKey, new Uint8Array(tbs)),
    );
    return seq(tbs, algDer, bitString(ecdsaP1363ToDer(p1363)));
  }

  it('a CRL without cRLNumber is used by default and refused with requireCrlNumber', async () => {
    const leaf = await cert(leafSpec());
    const bare = await crlWithoutNumber();
    const checker = (requireCrlNumber: boolean, crls: (Uint8Array | string)[]) =>
      newRevocationChecker({ crls, policy: { mode: 'require', scope: 'leaf', requireCrlNumber } });
    const lenient = await validate(leaf, { revocation: checker(false, [bare]) });
    expect(lenient.valid).toBe(true);
    expect(lenient.revocation[0]?.status).toBe('good');
    const strict = await validate(leaf, { revocation: checker(true, [bare]) });
    expect(strict.valid).toBe(false);
    expect(strict.reason).toBe('REVOCATION_UNKNOWN');
    // A numbered CRL satisfies the strict policy.
    const numbered = await issueCrl({
      issuer: ica,
      signer: new LocalSigner(icaKey),
      thisUpdate: new Date('2026-05-01T00:00:00Z'),
      nextUpdate: new Date('2026-07-01T00:00:00Z'),
      crlNumber: 7,
    });
    const ok = await validate(leaf, { revocation: checker(true, [numbered.der]) });
    expect(ok.valid).toBe(true);
  });
});

describe('purposes: C2PA and RCS MLS', () => {
  it('c2paManifest: leaf EKU with emailProtection or documentSigning, never anyEKU / timeStamping', async () => {
    for (const eku of [[OID.emailProtection], [OID.documentSigning]]) {
      expect((await validate(await cert(leafSpec({ eku })), { purpose: 'c2paManifest' })).valid).toBe(true);
    }
    for (const eku of [
      [OID.emailProtection, OID.anyExtendedKeyUsage],
      [OID.documentSigning, OID.timeStamping],
      [OID.serverAuth],
    ]) {
      const r = await validate(await cert(leafSpec({ eku })), { purpose: 'c2paManifest' });
      expect(r.valid, eku.join(',')).toBe(false);
      expect(r.reason).toBe('EKU_MISMATCH');
    }
    const none = await validate(await cert(leafSpec()), { purpose: 'c2paManifest' });
    expect(none.detail).toMatch(/leaf without extendedKeyUsage/);
  });

  it('c2paTimestamping: leaf EKU with timeStamping, never OCSPSigning; CA EKU not chained', async () => {
    const icaOther = await cert({
      subject: ICA,
      key: icaKey,
      issuer: { name: ROOT, key: rootKey },
      ca: true,
      eku: [OID.serverAuth],
    });
    const ok = await cert(leafSpec({ eku: [OID.timeStamping] }));
    expect((await validate(ok, { purpose: 'c2paTimestamping', intermediates: [icaOther] })).valid).toBe(true);
    const bad = await cert(leafSpec({ eku: [OID.timeStamping, OID.ocspSigning] }));
    const r = await validate(bad, { purpose: 'c2paTimestamping' });
    expect(r.reason).toBe('EKU_MISMATCH');
    expect(r.detail).toMatch(/must not include/);
  });

  it('rcsMlsClient: EKU exactly id-kp-rcsMlsClient in leaf and CAs, leaf keyUsage exactly digitalSignature', async () => {
    const mls = [OID_KP_RCS_MLS_CLIENT];
    const icaMls = await cert({
      subject: ICA,
      key: icaKey,
      issuer: { name: ROOT, key: rootKey },
      ca: true,
      eku: mls,
    });
    const rootMls = new TrustStore([await cert({ subject: ROOT, key: rootKey, ca: true, eku: mls })]);
    const leaf = await cert(leafSpec({ eku: mls, ku: ['digitalSignature'] }));
    const opts = { purpose: 'rcsMlsClient', trustStore: rootMls } as const;
    const ok = await validate(leaf, { ...opts, intermediates: [icaMls] });
    expect(ok.valid, `${ok.reason} ${ok.detail}`).toBe(true);
    // The intermediate without the EKU.
    const r1 = await validate(leaf, opts);
    expect(r1.reason).toBe('EKU_MISMATCH');
    expect(r1.detail).toMatch(/CA certificate's extendedKeyUsage must be exactly/);
    // Leaf keyUsage with more than digitalSignature.
    const ku2 = await cert(leafSpec({ eku: mls, ku: ['digitalSignature', 'nonRepudiation'] }));
    const r2 = await validate(ku2, { ...opts, intermediates: [icaMls] });
    expect(r2.reason).toBe('KEY_USAGE_INVALID');
    // Leaf EKU not exactly the MLS one.
    const eku2 = await cert(leafSpec({ eku: [...mls, OID.clientAuth], ku: ['digitalSignature'] }));
    const r3 = await validate(eku2, { ...opts, intermediates: [icaMls] });
    // The root without it (an enforced anchor certificate is a CA of the path).
    expect((await validate(leaf, { purpose: 'rcsMlsClient', intermediates: [icaMls] })).reason).toBe(
      'EKU_MISMATCH',
    );
    expect(r3.reason).toBe('EKU_MISMATCH');
  });

  it('kyso verify chain --purpose takes c2pa-manifest, c2pa-timestamping and rcs-mls-client', async () => {
    const dir = tmpDir();
    const write = (n: string, c: Certificate) => {
      const f = path.join(dir, `${n}.pem`);
      fs.writeFileSync(f, pemEncode('CERTIFICATE', c.der));
      return f;
    };
    const rootF = write('root', root);
    const icaF = write('ica', ica);
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t) };
    const run = (leaf: string, purpose: string, ...extra: string[]) =>
      runCli(
        [verifyChainCommand],
        [
          'verify',
          'chain',
          leaf,
          '--trust',
          rootF,
          '--untrusted',
          icaF,
          '--at',
          T.toISOString(),
          '--purpose',
          purpose,
          ...extra,
        ],
        io,
      );
    const email = write('email', await cert(leafSpec({ eku: [OID.emailProtection] })));
    const ts = write('ts', await cert(leafSpec({ eku: [OID.timeStamping] })));
    expect(await run(email, 'c2pa-manifest')).toBe(0);
    expect(await run(ts, 'c2pa-manifest')).toBe(1);
    expect(await run(ts, 'c2pa-timestamping')).toBe(0);
    expect(await run(email, 'c2pa-timestamping')).toBe(1);
    // The intermediate here has no MLS EKU, so the MLS purpose fails with a report.
    out.length = 0;
    expect(await run(email, 'rcs-mls-client', '--json')).toBe(1);
    expect(JSON.parse(out.join('')).reason).toBe('EKU_MISMATCH');
    expect(await run(email, 'c2pa-bogus')).toBe(2);
    expect(out.join('\n')).toMatch(/c2pa-manifest, c2pa-timestamping, rcs-mls-client/);
  });
});

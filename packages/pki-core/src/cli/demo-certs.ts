/**
 * The demo hierarchy (`npm run certs` / `kyso demo-certs DIR`): root and issuing CAs, an OCSP
 * signer, a TSA, a citizen, an official with a title, an agency seal, a revoked and an expired
 * subscriber, and the issuing CA's CRL, in ECDSA and RSA variants. TEST KEYS ONLY.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportPkcs8, exportPkcs8Pem, generateKeyPair } from '../crypto/keys.js';
import { LocalSigner } from '../crypto/signer.js';
import type { KeySpec } from '../crypto/types.js';
import { issueCrl } from '../crl.js';
import { citizenSubject, Name, officialSubject, organizationSubject } from '../name.js';
import { pemEncode } from '../pem.js';
import { exportPkcs12 } from '../pkcs12.js';
import type { Certificate } from '../x509/certificate.js';
import { issueCertificate, type Profile } from '../x509/issue.js';
import { type Command, EXIT_OK, str } from './framework.js';

/** Password of the demo PKCS#12 files (`<id>.p12`). Public on purpose: the demo keys are test keys only. */
export const DEMO_P12_PASSWORD = 'kyso-demo';
export const DEMO_BASE_URL = 'http://127.0.0.1:8080';
/** Policy OID arc for kyso demo certificates (private enterprise number placeholder, test only). */
export const DEMO_POLICY_OID = '1.3.6.1.4.1.99999.1.1';

const DAY = 86_400_000;

/**
 * One end-entity certificate of the demo hierarchy, as listed in manifest.json (paths relative to the
 * variant's directory).
 */
export interface DemoEntity {
  /** File stem of its files (`<id>.pem`, `<id>.key.pem`, `<id>.chain.pem`, `<id>.p12`). */
  id: string;
  /** The issuance profile it was made with (person-signing, organization-signing, tsa, ocsp-signer). */
  profile: Profile;
  /** The subject (RFC 4514 string). */
  subject: string;
  /** Serial number, hex. */
  serialNumber: string;
  /** The certificate file (PEM). */
  certificate: string;
  /** The private key file (PKCS#8 PEM, unencrypted: test key). */
  key: string;
  /** The PKCS#12 file (password `DEMO_P12_PASSWORD`), for the entities that have one. */
  p12?: string;
  /** The certificate followed by the issuing and root CA certificates (PEM). */
  chain: string;
  /** Validity start, ISO 8601 UTC. */
  notBefore: string;
  /** Validity end, ISO 8601 UTC. */
  notAfter: string;
  /**
   * What the entity demonstrates: a valid certificate, one listed on the issuing CA's CRL, or one already
   * expired.
   */
  status: 'valid' | 'revoked' | 'expired';
}

/** One demo hierarchy (a root CA, an issuing CA, its CRL and the end entities), in its own directory. */
export interface DemoVariant {
  /** `ecdsa` (P-384 root, P-256 issuing CA and leaves) or `rsa` (RSA-3072 root, RSA-2048 below). */
  variant: string;
  /** The key types, readable (e.g. `ECDSA P-384 root, P-256 others`). */
  keyType: string;
  /** The root CA certificate file (PEM). */
  root: string;
  /** The issuing CA certificate file (PEM). */
  issuing: string;
  /** The issuing CA's CRL file. */
  crl: string;
  /** The end entities. */
  entities: DemoEntity[];
}

/** The manifest.json `generateDemoHierarchy` writes next to the files: what was generated and where. */
export interface DemoManifest {
  /** "TEST KEYS ONLY": the private keys are public. */
  warning: string;
  /** Generation time, ISO 8601 UTC. */
  generatedAt: string;
  /** `DEMO_P12_PASSWORD`. */
  p12Password: string;
  /**
   * Base URL written into the AIA, CRL distribution point and OCSP extensions (default
   * `http://127.0.0.1:8080`, the demo server).
   */
  baseUrl: string;
  /** The hierarchies generated, one per key type. */
  variants: DemoVariant[];
}

interface VariantSpec {
  name: string;
  root: KeySpec;
  leaf: KeySpec;
}

const VARIANTS: VariantSpec[] = [
  { name: 'ecdsa', root: { type: 'EC', curve: 'P-384' }, leaf: { type: 'EC', curve: 'P-256' } },
  { name: 'rsa', root: { type: 'RSA', modulusLength: 3072 }, leaf: { type: 'RSA', modulusLength: 2048 } },
];

/**
 * Generates the demo PKI into `dir` (`npm run certs`, `kyso demo-certs`): per variant (ecdsa, rsa), a
 * root CA, an issuing CA, Vietnamese end entities (citizen, official, agency seal, TSA, OCSP
 * responder; valid, revoked, expired), their keys and PKCS#12 files, the issuing CA's CRL, and
 * manifest.json. TEST KEYS ONLY: never trust this hierarchy outside tests and demos. `opts.variants`
 * limits the variants; `opts.now` fixes the time (reproducible validity periods).
 */
export async function generateDemoHierarchy(
  dir: string,
  opts: { now?: Date; baseUrl?: string; variants?: string[] } = {},
): Promise<DemoManifest> {
  const now = opts.now ?? new Date();
  const base = (opts.baseUrl ?? DEMO_BASE_URL).replace(/\/$/, '');
  const manifest: DemoManifest = {
    warning:
      'TEST KEYS ONLY. These private keys are public; never trust this hierarchy outside tests and demos.',
    generatedAt: now.toISOString(),
    p12Password: DEMO_P12_PASSWORD,
    baseUrl: base,
    variants: [],
  };
  for (const v of VARIANTS.filter((x) => !opts.variants || opts.variants.includes(x.name))) {
    manifest.variants.push(await generateVariant(dir, v, now, base));
  }
  writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

type WriteFile = (f: string, data: string | Uint8Array, secret?: boolean) => void;

/** The variant's root and issuing CAs, written with their keys and the chain. */
async function demoCas(
  v: VariantSpec,
  start: Date,
  now: Date,
  base: string,
  caId: string,
  write: WriteFile,
): Promise<{ root: Certificate; issuing: Certificate; issSigner: LocalSigner; chainPem: string }> {
  const rootKey = await generateKeyPair(v.root);
  const rootSigner = new LocalSigner(rootKey);
  const root = await issueCertificate({
    profile: 'root-ca',
    subject: Name.fromAttributes([
      ['C', 'VN'],
      ['O', 'Kyso Demo (TEST ONLY)'],
      ['CN', `Kyso Demo Root CA ${v.name.toUpperCase()}`],
    ]),
    publicKey: rootKey.publicKeyInfo,
    signer: rootSigner,
    notBefore: start,
    notAfter: new Date(start.getTime() + 25 * 365 * DAY),
    pathLength: 1,
    now,
  });
  write('root.pem', pemEncode('CERTIFICATE', root.der));
  write('root.key.pem', await exportPkcs8Pem(rootKey), true);

  const issKey = await generateKeyPair(v.leaf);
  const issSigner = new LocalSigner(issKey);
  const issuing = await issueCertificate({
    profile: 'sub-ca',
    subject: Name.fromAttributes([
      ['C', 'VN'],
      ['O', 'Kyso Demo (TEST ONLY)'],
      ['CN', `Kyso Demo Issuing CA ${v.name.toUpperCase()}`],
    ]),
    publicKey: issKey.publicKeyInfo,
    issuer: { certificate: root, signer: rootSigner },
    notBefore: start,
    notAfter: new Date(start.getTime() + 15 * 365 * DAY),
    crlUrls: [`${base}/pki/crl/${caId}-root.crl`],
    caIssuersUrls: [`${base}/pki/ca/${caId}-root.cer`],
    policies: [{ oid: DEMO_POLICY_OID, cpsUri: `${base}/pki/cps` }],
    now,
  });
  write('issuing.pem', pemEncode('CERTIFICATE', issuing.der));
  write('issuing.key.pem', await exportPkcs8Pem(issKey), true);
  const chainPem = pemEncode('CERTIFICATE', issuing.der) + pemEncode('CERTIFICATE', root.der);
  write('chain.pem', chainPem);
  return { root, issuing, issSigner, chainPem };
}

type MakeEntity = (
  id: string,
  profile: Profile,
  subject: Name,
  extra?: { status?: DemoEntity['status']; p12?: boolean; san?: string; notBefore?: Date; notAfter?: Date },
) => Promise<Certificate>;

/** The demo end entities (OCSP responder, TSA, people, seal, a revoked and an expired one), in order. */
async function demoEntities(v: VariantSpec, start: Date, now: Date, make: MakeEntity): Promise<void> {
  await make(
    'ocsp-signer',
    'ocsp-signer',
    Name.fromAttributes([
      ['C', 'VN'],
      ['O', 'Kyso Demo (TEST ONLY)'],
      ['CN', `Kyso Demo OCSP Responder ${v.name.toUpperCase()}`],
    ]),
  );
  await make(
    'tsa',
    'tsa',
    Name.fromAttributes([
      ['C', 'VN'],
      ['O', 'Kyso Demo (TEST ONLY)'],
      ['CN', `Kyso Demo TSA ${v.name.toUpperCase()}`],
    ]),
  );
  await make(
    'citizen',
    'person-signing',
    citizenSubject({
      name: 'Nguyễn Văn An',
      cccd: '079200001234',
      province: 'Thành phố Hồ Chí Minh',
      locality: 'Phường Bến Nghé',
    }),
    { p12: true, san: 'an.nguyen@example.vn' },
  );
  await make(
    'official',
    'person-signing',
    officialSubject({
      name: 'Trần Thị Bình',
      title: 'Giám đốc',
      organization: 'Sở Thông tin và Truyền thông thành phố Đà Nẵng',
      cccd: '048190005678',
      province: 'Thành phố Đà Nẵng',
    }),
    { p12: true, san: 'binh.tt@danang.gov.vn' },
  );
  await make(
    'agency-seal',
    'organization-signing',
    organizationSubject({
      name: 'Sở Thông tin và Truyền thông',
      organization: 'Ủy ban nhân dân thành phố Đà Nẵng',
      taxCode: '0400101556',
      budgetCode: '1047665',
      province: 'Thành phố Đà Nẵng',
    }),
    { p12: true },
  );
  await make('revoked', 'person-signing', citizenSubject({ name: 'Lê Văn Cường', cccd: '001099012345' }), {
    status: 'revoked',
  });
  await make('expired', 'person-signing', citizenSubject({ name: 'Phạm Thị Dung', cccd: '031188009876' }), {
    status: 'expired',
    notBefore: new Date(start.getTime() + DAY),
    notAfter: new Date(now.getTime() - 30 * DAY),
  });
}

async function generateVariant(dir: string, v: VariantSpec, now: Date, base: string): Promise<DemoVariant> {
  const out = path.join(dir, v.name);
  mkdirSync(out, { recursive: true });
  const rel = (f: string) => path.join(v.name, f);
  const write = (f: string, data: string | Uint8Array, secret = false) =>
    writeFileSync(path.join(out, f), data, secret ? { mode: 0o600 } : undefined);
  const start = new Date(Math.floor((now.getTime() - 3 * 365 * DAY) / 1000) * 1000);
  const caId = `kyso-demo-${v.name}`;

  const { root, issuing, issSigner, chainPem } = await demoCas(v, start, now, base, caId, write);

  const issuer = { certificate: issuing, signer: issSigner };
  const leafLinks = {
    crlUrls: [`${base}/pki/crl/${caId}.crl`],
    ocspUrls: [`${base}/pki/ocsp`],
    caIssuersUrls: [`${base}/pki/ca/${caId}.cer`],
    policies: [{ oid: DEMO_POLICY_OID, cpsUri: `${base}/pki/cps` }],
  };
  const entities: DemoEntity[] = [];
  const revoked: Certificate[] = [];
  const make = async (
    id: string,
    profile: Profile,
    subject: Name,
    extra: {
      status?: DemoEntity['status'];
      p12?: boolean;
      san?: string;
      notBefore?: Date;
      notAfter?: Date;
    } = {},
  ) => {
    const key = await generateKeyPair(v.leaf);
    const cert = await issueCertificate({
      profile,
      subject,
      publicKey: key.publicKeyInfo,
      issuer,
      ...(profile === 'ocsp-signer' ? { caIssuersUrls: leafLinks.caIssuersUrls } : leafLinks),
      subjectAltName: extra.san ? [{ type: 'email', value: extra.san }] : undefined,
      notBefore: extra.notBefore,
      notAfter: extra.notAfter,
      now: extra.notBefore ?? now,
    });
    write(`${id}.pem`, pemEncode('CERTIFICATE', cert.der));
    write(`${id}.key.pem`, await exportPkcs8Pem(key), true);
    write(`${id}.chain.pem`, pemEncode('CERTIFICATE', cert.der) + chainPem);
    const e: DemoEntity = {
      id,
      profile,
      subject: cert.subject.toString(),
      serialNumber: cert.serialHex,
      certificate: rel(`${id}.pem`),
      key: rel(`${id}.key.pem`),
      chain: rel(`${id}.chain.pem`),
      notBefore: cert.notBefore.toISOString(),
      notAfter: cert.notAfter.toISOString(),
      status: extra.status ?? 'valid',
    };
    if (extra.p12) {
      const p12 = await exportPkcs12({
        privateKey: await exportPkcs8(key),
        certificates: [cert.der, issuing.der, root.der],
        password: DEMO_P12_PASSWORD,
        friendlyName: cert.subject.commonName,
        iterations: 10_000,
      });
      write(`${id}.p12`, p12, true);
      e.p12 = rel(`${id}.p12`);
    }
    entities.push(e);
    if (e.status === 'revoked') revoked.push(cert);
    return cert;
  };

  await demoEntities(v, start, now, make);

  const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000 - 60_000);
  const crl = await issueCrl({
    issuer: issuing,
    signer: issSigner,
    thisUpdate,
    nextUpdate: new Date(thisUpdate.getTime() + 7 * DAY),
    crlNumber: 1,
    entries: revoked.map((c) => ({
      serial: c,
      revocationDate: new Date(thisUpdate.getTime() - DAY),
      reason: 'keyCompromise' as const,
      invalidityDate: new Date(thisUpdate.getTime() - 2 * DAY),
    })),
  });
  write('issuing.crl.pem', pemEncode('X509 CRL', crl.der));
  write('issuing.crl', crl.der);
  return {
    variant: v.name,
    keyType: `${v.name === 'ecdsa' ? 'ECDSA P-384 root, P-256 others' : 'RSA-3072 root, RSA-2048 others'}`,
    root: rel('root.pem'),
    issuing: rel('issuing.pem'),
    crl: rel('issuing.crl.pem'),
    entities,
  };
}

export const demoCertsCommand: Command = {
  path: ['demo-certs'],
  summary: 'write the demo CA hierarchy (TEST KEYS ONLY) into a directory',
  usage: 'DIR [--base-url http://127.0.0.1:8080]',
  options: [{ name: 'base-url', type: 'string', description: 'URL prefix for CRL/OCSP/CA issuers links' }],
  positionals: { min: 1, max: 1, names: 'DIR' },
  async run(args, io) {
    const dir = args.positionals[0]!;
    mkdirSync(dir, { recursive: true });
    const m = await generateDemoHierarchy(dir, { baseUrl: str(args, 'base-url') });
    io.out(
      `${m.warning}\n${m.variants.map((v) => `${v.variant}: ${v.entities.length + 2} certificates, CRL ${v.crl}`).join('\n')}\nmanifest: ${path.join(dir, 'manifest.json')}\n`,
    );
    return EXIT_OK;
  },
};

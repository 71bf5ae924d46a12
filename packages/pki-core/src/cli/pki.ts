/** `kyso key|csr|ca|cert|p12` commands: key generation, requests, CA set-up, issuance, PKCS#12. */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LocalSigner } from '../crypto/signer.js';
import {
  exportJwk,
  exportPkcs8,
  exportPkcs8Pem,
  exportSpkiPem,
  generateKeyPair,
  importPrivateKey,
  importPublicKey,
  type KeyPair,
} from '../crypto/keys.js';
import type { PublicKeyInfo } from '../crypto/types.js';
import { CertificationRequest, createCsr } from '../csr.js';
import { KysoError } from '../errors.js';
import { Name } from '../name.js';
import { looksLikePem, pemEncode } from '../pem.js';
import { decryptPkcs8 } from '../pkcs8-encrypted.js';
import { encryptPkcs8Pem } from '../pkcs8-encrypted.js';
import { exportPkcs12, importPkcs12 } from '../pkcs12.js';
import { Certificate } from '../x509/certificate.js';
import {
  formatCertificateSummary,
  summarizeCertificate,
  describeSignatureAlgorithm,
  describePublicKey,
} from '../x509/describe.js';
import { formatGeneralName, type GeneralName, parseGeneralNameString } from '../x509/general-name.js';
import { issueCertificate, PROFILES, type Profile } from '../x509/issue.js';
import { ACCEPT_LINT_WARNINGS_OPTION, issuanceLint } from './lint.js';
import {
  type Command,
  EXIT_FAIL,
  EXIT_OK,
  flag,
  int,
  list,
  type OptionSpec,
  readInput,
  str,
  UsageError,
  assertWritable,
  writeOutput,
} from './framework.js';
import { KEY_TYPES, parseKeyType } from './key-spec.js';

const PASSWORD_OPTIONS: OptionSpec[] = [
  {
    name: 'password-file',
    type: 'string',
    description: 'read the password from the first line of this file',
  },
  { name: 'password-env', type: 'string', description: 'read the password from this environment variable' },
  {
    name: 'password',
    type: 'string',
    description: 'password on the command line (visible to other users; prefer the two above)',
  },
];

function password(args: Parameters<Command['run']>[0], required: boolean): string | undefined {
  const file = str(args, 'password-file');
  const env = str(args, 'password-env');
  const inline = str(args, 'password');
  if ([file, env, inline].filter((x) => x !== undefined).length > 1)
    throw new UsageError('give one password source');
  if (file !== undefined) return new TextDecoder().decode(readInput(file)).split(/\r?\n/)[0]!;
  if (env !== undefined) {
    const v = process.env[env];
    if (v === undefined) throw new UsageError(`environment variable ${env} is not set`);
    return v;
  }
  if (inline !== undefined) return inline;
  if (required)
    throw new UsageError('a password is required (--password-file, --password-env or --password)');
  return undefined;
}

/** Loads a private key (PKCS#8, PKCS#1, SEC1, or encrypted PKCS#8 with a password). */
export async function loadPrivateKey(file: string, pass?: string): Promise<KeyPair> {
  const data = readInput(file);
  const text = looksLikePem(data) ? new TextDecoder().decode(data) : undefined;
  if (text?.includes('ENCRYPTED PRIVATE KEY')) {
    if (pass === undefined) throw new UsageError(`${file} is encrypted: give its password`);
    return importPrivateKey(await decryptPkcs8(text, pass));
  }
  return importPrivateKey(text ?? data);
}

export function loadCertificates(file: string): Certificate[] {
  return Certificate.parseAll(readInput(file));
}

/** PEM labels that are not certificates, with what to do instead. */
const OTHER_PEM: [string, string][] = [
  ['NEW CERTIFICATE REQUEST', 'a certificate request (CSR): show it with `kyso csr show FILE`'],
  ['CERTIFICATE REQUEST', 'a certificate request (CSR): show it with `kyso csr show FILE`'],
  ['X509 CRL', 'a CRL: show it with `kyso crl show FILE`'],
  ['ENCRYPTED PRIVATE KEY', 'an encrypted private key: it holds no certificate'],
  ['PRIVATE KEY', 'a private key: it holds no certificate'],
  ['PUBLIC KEY', 'a public key: it holds no certificate'],
  ['PKCS7', 'a PKCS#7/CMS structure: verify it with `kyso cms verify`'],
  ['CMS', 'a CMS structure: verify it with `kyso cms verify`'],
];

/** loadCertificates, saying what the file is (and what to do) when it holds no certificate. */
function loadCertificatesExplained(file: string): Certificate[] {
  try {
    return loadCertificates(file);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const data = readInput(file);
    if (looksLikePem(data)) {
      const text = new TextDecoder().decode(data);
      const hit = OTHER_PEM.find(([label]) => new RegExp(`-----BEGIN (?:[A-Z]+ )?${label}-----`).test(text));
      if (hit) throw new UsageError(`${file} is ${hit[1]}`);
    } else if (/\.(p12|pfx)$/i.test(file)) {
      throw new UsageError(`${file} looks like PKCS#12: extract its certificates with \`kyso p12 import\``);
    }
    throw e;
  }
}

function loadCertificate(file: string): Certificate {
  const all = loadCertificates(file);
  return all[0]!;
}

function writeFile(file: string, data: string | Uint8Array, secret = false): void {
  assertWritable(file);
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, data, secret ? { mode: 0o600 } : undefined);
}

function parseSans(values: string[]): GeneralName[] {
  return values
    .flatMap((v) => v.split(',').filter(Boolean))
    .map((s) => {
      try {
        return parseGeneralNameString(s.trim());
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    });
}

function parseSubject(s: string): Name {
  try {
    return Name.parse(s);
  } catch (e) {
    throw new UsageError(`bad --subject: ${(e as Error).message}`);
  }
}

const keyGen: Command = {
  path: ['key', 'gen'],
  summary: 'generate a key pair (private key PEM, PKCS#8; optionally encrypted)',
  usage: '--type ec-p256 --out key.pem [--pubout pub.pem]',
  options: [
    { name: 'type', type: 'string', description: `key type: ${KEY_TYPES.join(', ')} (default ec-p256)` },
    {
      name: 'out',
      type: 'string',
      description: 'private key file (mode 0600); - for stdout',
      required: true,
    },
    { name: 'pubout', type: 'string', description: 'also write the public key (SPKI PEM) here' },
    { name: 'jwk', type: 'boolean', description: 'write the private key as JWK instead of PEM' },
    {
      name: 'encrypt',
      type: 'boolean',
      description: 'encrypt the private key (PBES2, AES-256-CBC) with the password',
    },
    ...PASSWORD_OPTIONS,
  ],
  async run(args, io) {
    const spec = parseKeyType(str(args, 'type') ?? 'ec-p256');
    const kp = await generateKeyPair(spec);
    const out = str(args, 'out')!;
    const pub = str(args, 'pubout');
    // Both checked before anything is written.
    assertWritable(out);
    if (pub) assertWritable(pub);
    let data: string;
    if (flag(args, 'jwk')) data = `${JSON.stringify(await exportJwk(kp), null, 2)}\n`;
    else if (flag(args, 'encrypt'))
      data = await encryptPkcs8Pem(await exportPkcs8(kp), password(args, true)!);
    else data = await exportPkcs8Pem(kp);
    if (out === '-') io.out(data);
    else writeFile(out, data, true);
    if (pub) writeFile(pub, exportSpkiPem(kp));
    if (out !== '-') io.err(`wrote ${describePublicKey(kp.publicKeyInfo.der)} private key to ${out}\n`);
    return EXIT_OK;
  },
};

const csrCreate: Command = {
  path: ['csr', 'create'],
  summary: 'create a PKCS#10 request signed with a private key (proof of possession)',
  usage: '--key key.pem --subject "CN=...,C=VN" [--san email:a@b] --out req.pem',
  options: [
    { name: 'key', type: 'string', description: 'private key file', required: true },
    {
      name: 'subject',
      type: 'string',
      description: 'subject DN (RFC 4514 "CN=..,O=..,C=VN" or "/C=VN/O=../CN=..")',
      required: true,
    },
    { name: 'san', type: 'multi', description: 'subjectAltName: email:..., DNS:..., URI:..., IP:...' },
    { name: 'out', type: 'string', description: 'output file (PEM); default stdout' },
    { name: 'der', type: 'boolean', description: 'write DER instead of PEM' },
    ...PASSWORD_OPTIONS,
  ],
  async run(args, io) {
    const kp = await loadPrivateKey(str(args, 'key')!, password(args, false));
    const csr = await createCsr({
      subject: parseSubject(str(args, 'subject')!),
      signer: new LocalSigner(kp),
      subjectAltName: parseSans(list(args, 'san')),
    });
    const out = str(args, 'out');
    writeOutput(out, flag(args, 'der') ? csr.der : pemEncode('CERTIFICATE REQUEST', csr.der), io);
    return EXIT_OK;
  },
};

const csrShow: Command = {
  path: ['csr', 'show'],
  summary: 'show a PKCS#10 request and check its proof of possession (exit 1 if it fails)',
  usage: 'REQ [--json]',
  options: [{ name: 'json', type: 'boolean', description: 'machine-readable output' }],
  positionals: { min: 1, max: 1, names: 'REQ' },
  async run(args, io) {
    const csr = CertificationRequest.parse(readInput(args.positionals[0]!));
    const pop = await csr.verify();
    const info = {
      subject: csr.subject.toString(),
      vietnameseIdentifiers: csr.subject.vnIdentifiers,
      title: csr.subject.get('T'),
      publicKey: describePublicKey(csr.publicKey.der),
      signatureAlgorithm: describeSignatureAlgorithm(csr.signatureAlgorithm),
      subjectAltName: csr.subjectAltName?.map(formatGeneralName) ?? [],
      requestedExtensions: csr.requestedExtensions.map((e) => e.oid),
      proofOfPossession: pop,
    };
    if (flag(args, 'json')) io.out(`${JSON.stringify(info, null, 2)}\n`);
    else {
      io.out(
        [
          `Subject:              ${info.subject}`,
          ...info.vietnameseIdentifiers.map((i) => `Identifier:           ${i.prefix}:${i.value}`),
          ...(info.title.length ? [`Title (T):            ${info.title.join('; ')}`] : []),
          `Public key:           ${info.publicKey}`,
          `Signature algorithm:  ${info.signatureAlgorithm}`,
          ...(info.subjectAltName.length ? [`Subject alt names:    ${info.subjectAltName.join(', ')}`] : []),
          `Proof of possession:  ${pop ? 'OK' : 'FAILED'}`,
          '',
        ].join('\n'),
      );
    }
    return pop ? EXIT_OK : EXIT_FAIL;
  },
};

export interface CaInitOptions {
  dir: string;
  name: string;
  spec: Parameters<typeof generateKeyPair>[0];
  baseUrl?: string;
  now?: Date;
  /** Root CA common name (default "<name> Root CA"). */
  rootCn?: string;
  /** Issuing CA common name (default "<name> Issuing CA"). */
  issuingCn?: string;
  /** Root validity in days (default 20 years); the issuing CA ends one day before the root. */
  validityDays?: number;
  /** Encrypt both private keys (PBES2, AES-256-CBC) with this password. */
  keyPassword?: string;
}

/** Creates a root and an issuing sub-CA (keys + certificates) in a directory. */
export async function initCa(
  o: CaInitOptions,
): Promise<{ root: Certificate; issuing: Certificate; files: string[] }> {
  mkdirSync(o.dir, { recursive: true });
  const rootKey = await generateKeyPair(o.spec);
  const rootSigner = new LocalSigner(rootKey);
  const root = await issueCertificate({
    profile: 'root-ca',
    subject: Name.fromAttributes([
      ['C', 'VN'],
      ['O', o.name],
      ['CN', o.rootCn ?? `${o.name} Root CA`],
    ]),
    publicKey: rootKey.publicKeyInfo,
    signer: rootSigner,
    pathLength: 1,
    validityDays: o.validityDays,
    now: o.now,
  });
  const issKey = await generateKeyPair(o.spec);
  const base = o.baseUrl?.replace(/\/$/, '');
  const issuing = await issueCertificate({
    profile: 'sub-ca',
    subject: Name.fromAttributes([
      ['C', 'VN'],
      ['O', o.name],
      ['CN', o.issuingCn ?? `${o.name} Issuing CA`],
    ]),
    publicKey: issKey.publicKeyInfo,
    issuer: { certificate: root, signer: rootSigner },
    notAfter: new Date(root.notAfter.getTime() - 86_400_000),
    crlUrls: base ? [`${base}/crl/root.crl`] : undefined,
    caIssuersUrls: base ? [`${base}/ca/root.cer`] : undefined,
    now: o.now,
  });
  const keyPem = async (k: KeyPair) =>
    o.keyPassword === undefined ? exportPkcs8Pem(k) : encryptPkcs8Pem(await exportPkcs8(k), o.keyPassword);
  const files = {
    'root.pem': pemEncode('CERTIFICATE', root.der),
    'root.key.pem': await keyPem(rootKey),
    'issuing.pem': pemEncode('CERTIFICATE', issuing.der),
    'issuing.key.pem': await keyPem(issKey),
    'chain.pem': pemEncode('CERTIFICATE', issuing.der) + pemEncode('CERTIFICATE', root.der),
  };
  for (const [f, data] of Object.entries(files)) writeFile(path.join(o.dir, f), data, f.includes('.key.'));
  return { root, issuing, files: Object.keys(files).map((f) => path.join(o.dir, f)) };
}

const caInit: Command = {
  path: ['ca', 'init'],
  summary: 'create a root CA and an issuing sub-CA in a directory',
  usage:
    '--dir ./ca [--name "Kyso Demo"] [--cn "Root CN"] [--issuing-cn "Issuing CN"] [--validity DAYS] [--type ec-p256] [--password-file pw.txt]',
  options: [
    { name: 'dir', type: 'string', description: 'output directory', required: true },
    {
      name: 'name',
      type: 'string',
      description: 'organisation name used in the CA subjects (default "Kyso Demo")',
    },
    { name: 'cn', type: 'string', description: 'root CA common name (default "<name> Root CA")' },
    {
      name: 'issuing-cn',
      type: 'string',
      description: 'issuing CA common name (default "<name> Issuing CA")',
    },
    {
      name: 'validity',
      type: 'string',
      description: 'root validity in days (default 7300); the issuing CA ends a day earlier',
    },
    { name: 'type', type: 'string', description: `key type (default ec-p256): ${KEY_TYPES.join(', ')}` },
    { name: 'base-url', type: 'string', description: 'URL prefix for CRL / CA issuers links' },
    { name: 'force', type: 'boolean', description: 'overwrite an existing CA in the directory' },
    ...PASSWORD_OPTIONS.map((o) => ({ ...o, description: `${o.description} (encrypts both CA keys)` })),
  ],
  async run(args, io) {
    const dir = str(args, 'dir')!;
    if (existsSync(path.join(dir, 'root.key.pem')) && !flag(args, 'force')) {
      throw new UsageError(`${dir} already holds a CA: pass --force to replace it, or choose another --dir`);
    }
    const validity = int(args, 'validity');
    if (validity !== undefined && validity < 2) throw new UsageError('--validity must be at least 2 days');
    const { files, root, issuing } = await initCa({
      dir,
      name: str(args, 'name') ?? 'Kyso Demo',
      spec: parseKeyType(str(args, 'type') ?? 'ec-p256'),
      baseUrl: str(args, 'base-url'),
      rootCn: str(args, 'cn'),
      issuingCn: str(args, 'issuing-cn'),
      validityDays: validity,
      keyPassword: password(args, false),
    });
    io.out(
      `root CA:    ${root.subject}\nissuing CA: ${issuing.subject}\nfiles:\n${files.map((f) => `  ${f}`).join('\n')}\n`,
    );
    return EXIT_OK;
  },
};

const certIssue: Command = {
  path: ['cert', 'issue'],
  summary: 'issue a certificate by profile from a CSR (proof of possession checked) or a public key',
  usage:
    '--profile person-signing --ca-cert issuing.pem --ca-key issuing.key.pem --csr req.pem --out cert.pem',
  options: [
    { name: 'profile', type: 'string', description: `one of ${PROFILES.join(', ')}`, required: true },
    { name: 'ca-cert', type: 'string', description: 'issuing CA certificate (not for root-ca)' },
    {
      name: 'ca-key',
      type: 'string',
      description: 'issuing CA private key (for root-ca: the root key itself)',
      required: true,
    },
    { name: 'csr', type: 'string', description: 'PKCS#10 request (subject, key and SAN taken from it)' },
    { name: 'pubkey', type: 'string', description: 'public key (SPKI PEM/DER) instead of a CSR' },
    { name: 'subject', type: 'string', description: 'subject DN (overrides the CSR subject)' },
    {
      name: 'san',
      type: 'multi',
      description: 'subjectAltName (email:, DNS:, URI:, IP:); overrides the CSR',
    },
    { name: 'days', type: 'string', description: 'validity in days (default per profile)' },
    { name: 'path-length', type: 'string', description: 'CA profiles: pathLenConstraint' },
    { name: 'crl-url', type: 'multi', description: 'CRL distribution point URL' },
    { name: 'ocsp-url', type: 'multi', description: 'OCSP responder URL (AIA)' },
    { name: 'ca-issuers-url', type: 'multi', description: 'CA issuers URL (AIA)' },
    { name: 'policy', type: 'multi', description: 'certificate policy OID, optionally OID=CPS-URI' },
    { name: 'out', type: 'string', description: 'output file (PEM); default stdout' },
    ...PASSWORD_OPTIONS,
    ACCEPT_LINT_WARNINGS_OPTION,
  ],
  async run(args, io) {
    const profile = str(args, 'profile') as Profile;
    if (!PROFILES.includes(profile))
      throw new UsageError(`unknown profile "${profile}": choose one of ${PROFILES.join(', ')}`);
    const caKey = await loadPrivateKey(str(args, 'ca-key')!, password(args, false));
    let publicKey: PublicKeyInfo;
    let subject: Name | undefined;
    let san: GeneralName[] | undefined;
    const csrFile = str(args, 'csr');
    const pubFile = str(args, 'pubkey');
    if (csrFile) {
      const csr = CertificationRequest.parse(readInput(csrFile));
      await csr.assertProofOfPossession();
      publicKey = csr.publicKey;
      subject = csr.subject;
      san = csr.subjectAltName;
    } else if (pubFile) publicKey = importPublicKey(readInput(pubFile));
    else if (profile === 'root-ca') publicKey = caKey.publicKeyInfo;
    else throw new UsageError('give --csr or --pubkey');
    const subj = str(args, 'subject');
    if (subj) subject = parseSubject(subj);
    if (!subject || subject.isEmpty) throw new UsageError('no subject (give --subject)');
    const sans = list(args, 'san');
    if (sans.length) san = parseSans(sans);
    const caCertFile = str(args, 'ca-cert');
    if (profile !== 'root-ca' && !caCertFile) throw new UsageError('--ca-cert is required');
    const signer = new LocalSigner(caKey);
    const days = str(args, 'days');
    const pathLength = int(args, 'path-length');
    const cert = await issueCertificate({
      profile,
      subject,
      publicKey,
      issuer: caCertFile ? { certificate: loadCertificate(caCertFile), signer } : undefined,
      signer,
      validityDays: days ? Number(days) : undefined,
      pathLength,
      subjectAltName: san,
      crlUrls: list(args, 'crl-url'),
      ocspUrls: list(args, 'ocsp-url'),
      caIssuersUrls: list(args, 'ca-issuers-url'),
      policies: list(args, 'policy').map((p) => {
        const [oid, cpsUri] = p.split('=');
        return cpsUri ? { oid: oid!, cpsUri } : { oid: oid! };
      }),
      lint: issuanceLint(args, io),
    });
    writeOutput(str(args, 'out'), pemEncode('CERTIFICATE', cert.der), io);
    return EXIT_OK;
  },
};

const certShow: Command = {
  path: ['cert', 'show'],
  summary: 'show certificates (human-readable, with Vietnamese identifiers and titles)',
  usage: 'CERT... [--json]',
  options: [{ name: 'json', type: 'boolean', description: 'machine-readable output' }],
  positionals: { min: 1, max: Number.POSITIVE_INFINITY, names: 'CERT...' },
  async run(args, io) {
    const certs = args.positionals.flatMap(loadCertificatesExplained);
    const summaries = await Promise.all(certs.map(summarizeCertificate));
    if (flag(args, 'json'))
      io.out(`${JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 2)}\n`);
    else io.out(summaries.map(formatCertificateSummary).join('\n'));
    return EXIT_OK;
  },
};

const p12Export: Command = {
  path: ['p12', 'export'],
  summary: 'bundle a private key and its certificate chain into PKCS#12 (AES-256-CBC, PBKDF2, HMAC-SHA-256)',
  usage: '--key key.pem --cert cert.pem [--chain chain.pem] --out id.p12 --password-file pw.txt',
  options: [
    { name: 'key', type: 'string', description: 'private key', required: true },
    { name: 'cert', type: 'string', description: 'certificate (leaf)', required: true },
    { name: 'chain', type: 'multi', description: 'intermediate/root certificates' },
    { name: 'name', type: 'string', description: 'friendly name' },
    { name: 'key-password-file', type: 'string', description: 'password of an encrypted input key' },
    { name: 'out', type: 'string', description: 'output .p12 file', required: true },
    ...PASSWORD_OPTIONS,
  ],
  async run(args, io) {
    const pass = password(args, true)!;
    const kpw = str(args, 'key-password-file');
    const kp = await loadPrivateKey(
      str(args, 'key')!,
      kpw ? new TextDecoder().decode(readInput(kpw)).split(/\r?\n/)[0] : undefined,
    );
    const leaf = loadCertificate(str(args, 'cert')!);
    if (leaf.spki.join() !== kp.publicKeyInfo.der.join())
      throw new KysoError('KEY_INVALID', 'the key does not match the certificate');
    const chain = list(args, 'chain').flatMap(loadCertificates);
    const p12 = await exportPkcs12({
      privateKey: await exportPkcs8(kp),
      certificates: [leaf.der, ...chain.map((c) => c.der)],
      password: pass,
      friendlyName: str(args, 'name') ?? leaf.subject.commonName,
    });
    writeFile(str(args, 'out')!, p12, true);
    io.err(`wrote ${str(args, 'out')} (${1 + chain.length} certificates)\n`);
    return EXIT_OK;
  },
};

const p12Import: Command = {
  path: ['p12', 'import'],
  summary: 'extract the private key and certificates from a PKCS#12 file (MAC verified first)',
  usage: 'FILE.p12 --key-out key.pem --cert-out certs.pem --password-file pw.txt',
  options: [
    { name: 'key-out', type: 'string', description: 'write the private key (PKCS#8 PEM, mode 0600)' },
    { name: 'cert-out', type: 'string', description: 'write the certificates (PEM bundle)' },
    { name: 'json', type: 'boolean', description: 'print a JSON summary' },
    ...PASSWORD_OPTIONS,
  ],
  positionals: { min: 1, max: 1, names: 'FILE.p12' },
  async run(args, io) {
    const der = readInput(args.positionals[0]!);
    const contents = await importPkcs12(der, password(args, true)!);
    const certs = contents.certificates.map((c) => Certificate.fromDer(c.der));
    const keyOut = str(args, 'key-out');
    if (keyOut) {
      const k = contents.keys[0];
      if (!k) throw new KysoError('NOT_FOUND', 'the PKCS#12 file holds no private key');
      writeFile(keyOut, pemEncode('PRIVATE KEY', k.pkcs8), true);
    }
    const certOut = str(args, 'cert-out');
    if (certOut) writeFile(certOut, certs.map((c) => pemEncode('CERTIFICATE', c.der)).join(''));
    const summary = {
      mac: contents.mac,
      keys: contents.keys.length,
      certificates: certs.map((c) => ({ subject: c.subject.toString(), serialNumber: c.serialHex })),
    };
    if (flag(args, 'json')) io.out(`${JSON.stringify(summary, null, 2)}\n`);
    else
      io.out(
        `MAC: ${summary.mac}\nkeys: ${summary.keys}\n${summary.certificates.map((c) => `certificate: ${c.subject}`).join('\n')}\n`,
      );
    return EXIT_OK;
  },
};

export const pkiCommands: Command[] = [
  keyGen,
  csrCreate,
  csrShow,
  caInit,
  certIssue,
  certShow,
  p12Export,
  p12Import,
];

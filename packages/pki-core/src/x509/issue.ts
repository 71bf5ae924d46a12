/**
 * Certificate issuance: a low-level builder (`buildCertificate`, explicit extensions, no policy) and
 * profile-driven issuance (`issueCertificate`) that refuses what the issuer may not issue.
 */
import { bytesEqual, randomBytes } from '../bytes.js';
import { bitString, explicit, integer, integerFromUnsigned, seq, time } from '../der.js';
import { KysoError } from '../errors.js';
import { Name, type NameInput } from '../name.js';
import { OID } from '../oids.js';
import {
  assertStrongForSigning,
  defaultSignatureAlgorithm,
  encodeSignatureAlgorithm,
} from '../crypto/algorithms.js';
import { keyIdentifier, parsePublicKeyInfo } from '../crypto/keys.js';
import type { PublicKeyInfo, SignatureAlgorithm, Signer } from '../crypto/types.js';
import { Certificate } from './certificate.js';
import {
  type Extension,
  type KeyUsage,
  type NameConstraints,
  type PolicyInput,
  crlDistributionPointUris,
  encodeAuthorityKeyIdentifier,
  encodeBasicConstraints,
  encodeCertificatePolicies,
  encodeCrlDistributionPoints,
  encodeExtension,
  encodeExtKeyUsage,
  encodeGeneralNamesExtension,
  encodeInfoAccess,
  encodeKeyUsage,
  encodeNameConstraints,
  encodeSubjectKeyIdentifier,
} from './extensions.js';
import type { GeneralName } from './general-name.js';
import { nameConstraintsProblem, nameConstraintViolation } from '../path/name-constraints.js';
import { type IssuanceLintOptions, issuanceLintProfile, lintBeforeIssue } from '../lint/issue-gate.js';

/** Input of buildCertificate: every field of the TBSCertificate given explicitly (no profile applied). */
export interface BuildCertificateInput {
  /** The subject (e.g. from `citizenSubject`, `officialSubject`, `organizationSubject`). */
  subject: NameInput;
  /** The issuer's name (the issuing CA's subject). */
  issuer: NameInput;
  /** SubjectPublicKeyInfo DER or parsed. */
  publicKey: Uint8Array | PublicKeyInfo;
  /** Serial INTEGER content bytes (positive); default random 128-bit positive. */
  serialNumber?: Uint8Array;
  /** Start of validity (encoded UTCTime up to 2049, GeneralizedTime after, RFC 5280 §4.1.2.5). */
  notBefore: Date;
  /** End of validity. */
  notAfter: Date;
  /** The extensions, encoded in this order. */
  extensions: Extension[];
  /** Key that signs the certificate (the issuer's). */
  signer: Signer;
  /** Signature algorithm (default: the signer's preferred one). */
  signatureAlgorithm?: SignatureAlgorithm;
  /** Called with the TBSCertificate before it is signed; throwing refuses issuance (lint before issue). */
  beforeSign?: (tbs: Uint8Array) => void | Promise<void>;
}

/** Random positive serial of 16 octets (128 bits of entropy; high bit cleared, first byte non-zero). */
export function randomSerial(): Uint8Array {
  const s = randomBytes(16);
  s[0] = (s[0]! & 0x7f) | 0x01;
  return s;
}

function spkiOf(k: Uint8Array | PublicKeyInfo): PublicKeyInfo {
  return k instanceof Uint8Array ? parsePublicKeyInfo(k) : k;
}

/**
 * Builds and signs a v3 certificate exactly as described (no profile rules). Refuses weak
 * signature algorithms and weak subject keys.
 */
export async function buildCertificate(input: BuildCertificateInput): Promise<Certificate> {
  const signerSpec = input.signer.publicKey.spec;
  if (!signerSpec) throw new KysoError('UNSUPPORTED_ALGORITHM', 'signer key type not supported');
  const alg = input.signatureAlgorithm ?? input.signer.algorithms[0] ?? defaultSignatureAlgorithm(signerSpec);
  assertStrongForSigning(alg, signerSpec);
  const spki = spkiOf(input.publicKey);
  if (spki.spec) assertStrongForSigning(defaultSignatureAlgorithm(spki.spec), spki.spec);
  if (input.notAfter.getTime() <= input.notBefore.getTime()) {
    throw new KysoError('INVALID_ARGUMENT', 'notAfter must be after notBefore');
  }
  const serial = input.serialNumber ?? randomSerial();
  if (serial.length === 0 || serial.length > 20 || serial[0]! & 0x80 || serial.every((b) => b === 0)) {
    throw new KysoError('INVALID_ARGUMENT', 'serial must be a positive integer of at most 20 octets');
  }
  const algDer = encodeSignatureAlgorithm(alg);
  const seen = new Set<string>();
  for (const e of input.extensions) {
    if (seen.has(e.oid)) throw new KysoError('INVALID_ARGUMENT', `duplicate extension ${e.oid}`);
    seen.add(e.oid);
  }
  const tbs = seq(
    explicit(0, integer(2)),
    integerFromUnsigned(serial),
    algDer,
    Name.from(input.issuer).der,
    seq(time(input.notBefore), time(input.notAfter)),
    Name.from(input.subject).der,
    spki.der,
    input.extensions.length > 0 && explicit(3, seq(...input.extensions.map(encodeExtension))),
  );
  const gate = input.beforeSign?.(tbs);
  if (gate) await gate;
  const sig = await input.signer.sign(tbs, alg);
  return Certificate.fromDer(seq(tbs, algDer, bitString(sig)));
}

/** The certificate profiles issueCertificate knows (key usages, EKUs, basic constraints per kind). */
export const PROFILES = [
  'root-ca',
  'sub-ca',
  'person-signing',
  'organization-signing',
  'ocsp-signer',
  'tsa',
  'tls-server',
] as const;
/** A certificate issuance profile (one of PROFILES); not to be confused with ValidationProfile. */
export type Profile = (typeof PROFILES)[number];

/** The issuing CA: its certificate and the signer holding its key. */
export interface IssuerContext {
  /** The issuing CA's certificate (its subject becomes the issuer; its SKI the AKI). */
  certificate: Certificate;
  /** Holds the issuing CA's private key. */
  signer: Signer;
}

/**
 * Input of issueCertificate: a profile, subject and public key, the issuer (omit for a root) and options.
 */
export interface IssueCertificateInput {
  /**
   * What the certificate is for: it fixes basicConstraints, keyUsage, extKeyUsage and the default
   * validity (root-ca 20 years, sub-ca 10, person-signing and organization-signing 3, tsa 5,
   * ocsp-signer 1, tls-server 397 days).
   */
  profile: Profile;
  /** The subject (e.g. from `citizenSubject`, `officialSubject`, `organizationSubject`); not empty. */
  subject: NameInput;
  /** The subject's public key (SubjectPublicKeyInfo DER or parsed), e.g. from a verified CSR. */
  publicKey: Uint8Array | PublicKeyInfo;
  /** The issuing CA. Omit for a self-signed root (`profile: 'root-ca'`), with `signer` the root key. */
  issuer?: IssuerContext;
  /** Root key for self-signed issuance (ignored when `issuer` is given). */
  signer?: Signer;
  /** Start of validity (default one minute before `now`, to the second). */
  notBefore?: Date;
  /** End of validity (default `notBefore` + `validityDays`, or the profile's default). */
  notAfter?: Date;
  /** Validity in days from notBefore when notAfter is not given (defaults per profile). */
  validityDays?: number;
  /** Serial INTEGER content bytes (positive); default 128 random bits, positive (RFC 5280 §4.1.2.2). */
  serialNumber?: Uint8Array;
  /** CA profiles: pathLenConstraint (sub-ca default 0; root-ca default none). */
  pathLength?: number;
  /** subjectAltName entries (RFC 5280 §4.2.1.6). */
  subjectAltName?: GeneralName[];
  /**
   * Copy every subject e-mail address (E=) into the SAN as an rfc822Name (RFC 5280 §4.1.2.6).
   * Default true. With false the SAN is taken as given, and the lint gate refuses a subject e-mail
   * the SAN does not carry (e_rfc5280_subject_email_not_in_san).
   */
  emailInSan?: boolean;
  /** cRLDistributionPoints URLs written (RFC 5280 §4.2.1.13). */
  crlUrls?: string[];
  /** OCSP responder URLs written in authorityInfoAccess (RFC 5280 §4.2.2.1). */
  ocspUrls?: string[];
  /** caIssuers URLs written in authorityInfoAccess (where the issuer's certificate can be fetched). */
  caIssuersUrls?: string[];
  /** certificatePolicies (RFC 5280 §4.2.1.4), with optional CPS URI and user notice. */
  policies?: PolicyInput[];
  /**
   * nameConstraints (RFC 5280 §4.2.1.10), written critical; CA profiles only (INVALID_ARGUMENT otherwise).
   */
  nameConstraints?: NameConstraints;
  /** Replace the profile's EKU list. */
  extKeyUsage?: string[];
  /** Extra extensions appended as given. */
  extraExtensions?: Extension[];
  /**
   * Signature algorithm (default: the signer's preferred one); the signer refuses weak ones (WEAK_ALGORITHM).
   */
  signatureAlgorithm?: SignatureAlgorithm;
  /** Clock for defaults (notBefore = now - 1 minute). */
  now?: Date;
  /**
   * Lint the TBSCertificate before signing (src/lint): errors refuse issuance with the lint's name;
   * warnings refuse only with `{ warnings: 'refuse' }`. Default on; `false` skips it.
   */
  lint?: IssuanceLintOptions | false;
}

const DAY = 86_400_000;
const DEFAULT_DAYS: Record<Profile, number> = {
  'root-ca': 365 * 20,
  'sub-ca': 365 * 10,
  'person-signing': 365 * 3,
  'organization-signing': 365 * 3,
  'ocsp-signer': 365,
  tsa: 365 * 5,
  'tls-server': 397,
};

interface ProfileRules {
  ca: boolean;
  keyUsage: KeyUsage[];
  keyUsageForRsa?: KeyUsage[];
  extKeyUsage?: string[];
  ekuCritical?: boolean;
  ocspNoCheck?: boolean;
  requiresSan?: GeneralName['type'];
}

const RULES: Record<Profile, ProfileRules> = {
  'root-ca': { ca: true, keyUsage: ['keyCertSign', 'cRLSign'] },
  'sub-ca': { ca: true, keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'] },
  'person-signing': {
    ca: false,
    keyUsage: ['digitalSignature', 'nonRepudiation'],
    extKeyUsage: [OID.documentSigning, OID.emailProtection, OID.clientAuth],
  },
  'organization-signing': {
    ca: false,
    keyUsage: ['digitalSignature', 'nonRepudiation'],
    extKeyUsage: [OID.documentSigning, OID.emailProtection, OID.clientAuth],
  },
  'ocsp-signer': {
    ca: false,
    keyUsage: ['digitalSignature'],
    extKeyUsage: [OID.ocspSigning],
    ocspNoCheck: true,
  },
  tsa: {
    ca: false,
    keyUsage: ['digitalSignature', 'nonRepudiation'],
    extKeyUsage: [OID.timeStamping],
    ekuCritical: true,
  },
  'tls-server': {
    ca: false,
    keyUsage: ['digitalSignature'],
    keyUsageForRsa: ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: [OID.serverAuth],
    requiresSan: 'dns',
  },
};

/**
 * The subjectAltName with an rfc822Name for every e-mail address in the subject (E=) that it does
 * not list yet: RFC 5280 §4.1.2.6 says new certificates MUST carry e-mail addresses in the SAN
 * (the subject attribute is kept for legacy relying parties). Addresses are compared without case.
 */
export function withSubjectEmails(subject: Name, san: readonly GeneralName[]): GeneralName[] {
  const out = [...san];
  const have = new Set(
    out.filter((g) => g.type === 'email').map((g) => (g as { value: string }).value.toLowerCase()),
  );
  for (const e of subject.get('emailAddress')) {
    const v = e.trim();
    if (!/^[\x21-\x7e]+@[\x21-\x7e]+$/.test(v)) {
      throw new KysoError(
        'INVALID_ARGUMENT',
        `subject e-mail address ${JSON.stringify(e)} is not a mailbox (local@domain, ASCII)`,
      );
    }
    if (have.has(v.toLowerCase())) continue;
    have.add(v.toLowerCase());
    out.push({ type: 'email', value: v });
  }
  return out;
}

function refuse(msg: string, detail?: Record<string, unknown>): KysoError {
  return new KysoError('ISSUANCE_REFUSED', msg, detail);
}

/**
 * The extensions naming where to find more (CRL distribution points, authority information
 * access), the policies and the name constraints asked for in `input`.
 */
function requestedExtensions(input: IssueCertificateInput, ca: boolean): Extension[] {
  const out: Extension[] = [];
  if (input.crlUrls && input.crlUrls.length > 0) {
    out.push({
      oid: OID.cRLDistributionPoints,
      critical: false,
      value: encodeCrlDistributionPoints(crlDistributionPointUris(input.crlUrls)),
    });
  }
  const aia = [
    ...(input.ocspUrls ?? []).map((u) => ({
      method: OID.ocsp,
      location: { type: 'uri' as const, value: u },
    })),
    ...(input.caIssuersUrls ?? []).map((u) => ({
      method: OID.caIssuers,
      location: { type: 'uri' as const, value: u },
    })),
  ];
  if (aia.length > 0)
    out.push({ oid: OID.authorityInfoAccess, critical: false, value: encodeInfoAccess(aia) });
  if (input.policies && input.policies.length > 0) {
    out.push({
      oid: OID.certificatePolicies,
      critical: false,
      value: encodeCertificatePolicies(input.policies),
    });
  }
  if (input.nameConstraints) {
    if (!ca) throw new KysoError('INVALID_ARGUMENT', 'name constraints are for CA certificates');
    // Never write a constraint kyso's own validator (and RFC 5280 §4.2.1.10) would call malformed.
    const problem = nameConstraintsProblem(input.nameConstraints);
    if (problem) throw new KysoError('INVALID_ARGUMENT', `invalid name constraints: ${problem}`);
    out.push({
      oid: OID.nameConstraints,
      critical: true,
      value: encodeNameConstraints(input.nameConstraints),
    });
  }
  return out;
}

/**
 * Issues a certificate by profile. Refuses (ISSUANCE_REFUSED) when the issuer is not a CA, lacks
 * keyCertSign, would be outlived, has no path length left, or its name constraints exclude the subject.
 */
export async function issueCertificate(input: IssueCertificateInput): Promise<Certificate> {
  const rules = RULES[input.profile];
  if (!rules) throw new KysoError('INVALID_ARGUMENT', `unknown profile ${input.profile}`);
  const subject = Name.from(input.subject);
  const subjectAltName =
    input.emailInSan === false
      ? [...(input.subjectAltName ?? [])]
      : withSubjectEmails(subject, input.subjectAltName ?? []);
  if (subject.isEmpty) throw new KysoError('INVALID_ARGUMENT', 'subject must not be empty');
  const spki = spkiOf(input.publicKey);
  const now = input.now ?? new Date();
  const notBefore = input.notBefore ?? new Date(Math.floor((now.getTime() - 60_000) / 1000) * 1000);
  const notAfter =
    input.notAfter ??
    new Date(notBefore.getTime() + (input.validityDays ?? DEFAULT_DAYS[input.profile]) * DAY);

  const selfSigned = !input.issuer;
  if (selfSigned && input.profile !== 'root-ca') throw refuse(`profile ${input.profile} needs an issuing CA`);
  if (!selfSigned && input.profile === 'root-ca')
    throw refuse('root-ca certificates are self-signed; omit issuer');
  const signer = input.issuer?.signer ?? input.signer;
  if (!signer) throw new KysoError('INVALID_ARGUMENT', 'a signer is required');
  if (selfSigned && !bytesEqual(signer.publicKey.der, spki.der)) {
    throw refuse('a self-signed root must be signed by its own key');
  }

  let pathLength = input.pathLength;
  const ski = await keyIdentifier(spki);
  let aki: Uint8Array = ski;
  let issuerName = subject;
  if (input.issuer) {
    const ic = input.issuer.certificate;
    issuerName = ic.subject;
    if (!bytesEqual(input.issuer.signer.publicKey.der, ic.spki)) {
      throw refuse("the issuer's signer does not hold the issuer certificate's key");
    }
    if (!ic.isCA) throw refuse('issuer is not a CA (basicConstraints cA is not set)');
    if (ic.keyUsage && !ic.keyUsage.includes('keyCertSign'))
      throw refuse('issuer key usage lacks keyCertSign');
    if (notBefore < ic.notBefore || notAfter > ic.notAfter) {
      throw refuse('validity would extend beyond the issuer certificate', {
        issuerNotBefore: ic.notBefore.toISOString(),
        issuerNotAfter: ic.notAfter.toISOString(),
      });
    }
    if (now > ic.notAfter || now < ic.notBefore) throw refuse('issuer certificate is not valid now');
    if (rules.ca) {
      const issuerPathLen = ic.basicConstraints?.pathLenConstraint;
      if (issuerPathLen !== undefined) {
        if (issuerPathLen === 0) throw refuse('issuer pathLenConstraint 0 forbids issuing CA certificates');
        if (pathLength === undefined) pathLength = issuerPathLen - 1;
        else if (pathLength > issuerPathLen - 1) {
          throw refuse(`pathLength ${pathLength} exceeds what the issuer allows (${issuerPathLen - 1})`);
        }
      }
      if (pathLength === undefined && input.profile === 'sub-ca') pathLength = 0;
    }
    if (ic.nameConstraints) {
      const v = nameConstraintViolation(subject, subjectAltName, ic.nameConstraints);
      if (v) throw refuse(`issuer name constraints: ${v}`);
    }
    aki = ic.subjectKeyIdentifier ?? (await keyIdentifier(ic.spki));
  }
  if (!rules.ca && input.pathLength !== undefined)
    throw new KysoError('INVALID_ARGUMENT', 'pathLength is for CA profiles');
  if (rules.requiresSan && !subjectAltName.some((g) => g.type === rules.requiresSan)) {
    throw new KysoError(
      'INVALID_ARGUMENT',
      `profile ${input.profile} needs a ${rules.requiresSan} subjectAltName`,
    );
  }

  const exts: Extension[] = [];
  exts.push({
    oid: OID.basicConstraints,
    critical: true,
    value: encodeBasicConstraints(rules.ca ? { ca: true, pathLenConstraint: pathLength } : { ca: false }),
  });
  const ku = spki.spec?.type === 'RSA' && rules.keyUsageForRsa ? rules.keyUsageForRsa : rules.keyUsage;
  exts.push({ oid: OID.keyUsage, critical: true, value: encodeKeyUsage(ku) });
  const eku = input.extKeyUsage ?? rules.extKeyUsage;
  if (eku && eku.length > 0) {
    if (input.profile === 'tsa' && (eku.length !== 1 || eku[0] !== OID.timeStamping)) {
      throw refuse('a TSA certificate must carry exactly id-kp-timeStamping (RFC 3161 §2.3)');
    }
    exts.push({ oid: OID.extKeyUsage, critical: rules.ekuCritical === true, value: encodeExtKeyUsage(eku) });
  }
  exts.push({ oid: OID.subjectKeyIdentifier, critical: false, value: encodeSubjectKeyIdentifier(ski) });
  exts.push({
    oid: OID.authorityKeyIdentifier,
    critical: false,
    value: encodeAuthorityKeyIdentifier({ keyIdentifier: aki }),
  });
  if (subjectAltName.length > 0) {
    exts.push({
      oid: OID.subjectAltName,
      critical: subject.isEmpty,
      value: encodeGeneralNamesExtension(subjectAltName),
    });
  }
  exts.push(...requestedExtensions(input, rules.ca));
  if (rules.ocspNoCheck)
    exts.push({ oid: OID.ocspNoCheck, critical: false, value: Uint8Array.of(0x05, 0x00) });
  exts.push(...(input.extraExtensions ?? []));

  return buildCertificate({
    subject,
    issuer: issuerName,
    publicKey: spki,
    serialNumber: input.serialNumber,
    notBefore,
    notAfter,
    extensions: exts,
    signer,
    signatureAlgorithm: input.signatureAlgorithm,
    // Lint before issue (kept separate: src/lint/issue-gate.ts).
    beforeSign:
      input.lint === false
        ? undefined
        : (tbs) => {
            lintBeforeIssue(tbs, issuanceLintProfile(input.profile, subject), input.lint || {});
          },
  });
}

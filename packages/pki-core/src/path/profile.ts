/**
 * Validation profiles: the certificate content rules checked on every certificate of a candidate
 * path beyond §6.1 (here), and the few path rules that depend on the profile (validate.ts).
 * - 'rfc5280' (default): the RFC 5280 §4 MUSTs that a conforming CA always meets and that matter
 *   for path processing (AKI/SKI presence and non-criticality, serial numbers positive, at most 20
 *   octets and DER-encoded, non-empty CA names, name constraints only in CA certificates and
 *   critical, policy constraints critical, SAN for empty subjects, keyCertSign only with cA).
 *   Certification authorities use kyso to test their chains, so a non-conformant certificate is
 *   reported, not silently accepted.
 * - 'webpki': the CA/Browser Forum TLS profile on top (EKU present, non-critical, no anyEKU in
 *   leaves, none in roots; RSA >= 2048 bits, multiple of 8, encoded as rsaEncryption (BR
 *   7.1.3.1.1), for every key of the path, the anchor's included; known curves; v3 only; SAN
 *   rules). Name constraints may be non-critical there (CABF allows it).
 * - 'chromium': kyso's reproduction of Chromium's relying-party rules (BoringSSL's pki/ verifier,
 *   whose test suites test-vectors/boringssl-*.test.ts run under this profile). It is 'rfc5280'
 *   with these differences, each Chromium's behaviour:
 *   a. a leaf asserting keyCertSign without basicConstraints cA is accepted: Chromium's
 *      VerifyTargetCertIsNotCA (pki/verify_certificate_chain.cc) only looks at cA, RFC 5280
 *      §4.2.1.3's keyCertSign/cA rule is a rule for issuers (an intermediate without cA is still
 *      NOT_A_CA);
 *   b. a critical Microsoft application-policies extension (1.3.6.1.4.1.311.21.10) is consumed in
 *      a certificate that also has extendedKeyUsage, without interpreting it (Chromium's
 *      VerifyNoUnconsumedCriticalExtensions, crbug.com/1439638, following Microsoft's documentation
 *      that the extension may be ignored when EKU is present); without EKU it stays an unknown
 *      critical extension;
 *   c. serial numbers are not judged (non-minimal, negative, zero or longer than 20 octets):
 *      RFC 5280 §4.1.2.2 asks certificate users to handle non-conforming serials gracefully, and
 *      Chromium parses certificates with allow_invalid_serial_numbers (the BoringSSL OCSP case
 *      good_response_invalid_serial);
 *   d. RSA keys must be encoded as rsaEncryption, as in 'webpki': Chromium does not implement
 *      id-RSASSA-PSS public keys (verify_signed_data case rsa-pss-sha256-using-pss-key-with-params).
 *   kyso's other 'rfc5280' content checks (AKI/SKI presence, critical name constraints, ...) stay
 *   on under 'chromium': Chromium does not make them, so 'chromium' can be stricter than Chromium
 *   there (no BoringSSL case depends on them); it is never more lenient than these four points.
 */
import { toHex } from '../bytes.js';
import { parsePublicKeyInfo } from '../crypto/keys.js';
import { OID } from '../oids.js';
import type { Certificate } from '../x509/certificate.js';
import { isValidDnsName } from './name-constraints.js';
import { isSelfIssued } from './names.js';

/**
 * The certification path validation profile: 'rfc5280' (default, strict), 'webpki' (CA/B Forum) or
 * 'chromium'.
 */
export type ValidationProfile = 'rfc5280' | 'webpki' | 'chromium';

/** All profiles, for option parsing (CLI). */
export const VALIDATION_PROFILES: readonly ValidationProfile[] = ['rfc5280', 'webpki', 'chromium'];

/**
 * Whether RSA public keys must be encoded as rsaEncryption under `profile` ('webpki': CA/B Forum
 * BR 7.1.3.1.1; 'chromium': Chromium does not implement id-RSASSA-PSS keys). 'rfc5280' accepts
 * RFC 4055 id-RSASSA-PSS keys and enforces their parameters.
 */
export function rsaEncryptionKeysOnly(profile: ValidationProfile): boolean {
  return profile !== 'rfc5280';
}

/** Options for `verifySignature` that apply `profile`'s key rules to a raw signed-data check. */
export function verifyOptionsForProfile(profile: ValidationProfile): { rsaEncryptionKeysOnly: boolean } {
  return { rsaEncryptionKeysOnly: rsaEncryptionKeysOnly(profile) };
}

export type Role = 'leaf' | 'intermediate' | 'anchor';

/** RFC 5280 §4.1.2.2: serial numbers are positive and at most 20 octets. */
function serialProblem(c: Certificate): string | null {
  const s = c.serialNumber;
  if (s.length > 21 || (s.length === 21 && s[0] !== 0)) return 'serial number longer than 20 octets';
  if (s[0]! & 0x80) return 'serial number is negative';
  if (s.every((b) => b === 0)) return 'serial number is zero';
  return null;
}

function isSelfSigned(c: Certificate): boolean {
  if (!isSelfIssued(c)) return false;
  const aki = c.authorityKeyIdentifier?.keyIdentifier;
  const ski = c.subjectKeyIdentifier;
  return !aki || !ski || toHex(aki) === toHex(ski);
}

/**
 * Outcomes per certificate object, role and profile: they depend on nothing else, and warm
 * intermediates and anchors are checked again in every validation.
 */
const conformanceCache = new WeakMap<Certificate, Map<string, string | null>>();

/** Returns the first problem found, or null. `role` is the certificate's place in the path. */
export function conformanceProblem(c: Certificate, role: Role, profile: ValidationProfile): string | null {
  let m = conformanceCache.get(c);
  if (!m) {
    m = new Map();
    conformanceCache.set(c, m);
  }
  const k = `${role}|${profile}`;
  let r = m.get(k);
  if (r === undefined) {
    r = computeConformanceProblem(c, role, profile);
    m.set(k, r);
  }
  return r;
}

function computeConformanceProblem(c: Certificate, role: Role, profile: ValidationProfile): string | null {
  const crit = (oid: string) => c.extension(oid)?.critical === true;
  if (profile !== 'chromium') {
    // X.690 §8.3.2 / RFC 5280 §4.1 (DER): the one non-DER encoding Certificate.fromDer tolerates.
    if (c.serialNumberNonMinimal) return 'serial number INTEGER is not minimally encoded (not DER)';
    // Anchors are exempt: long-lived roots with serial 0 are still in use (e.g. Starfield G2).
    const serial = role === 'anchor' ? null : serialProblem(c);
    if (serial) return serial;
  }
  if (c.issuer.isEmpty) return 'issuer name is empty';
  if (crit(OID.authorityKeyIdentifier)) return 'authorityKeyIdentifier must be non-critical';
  if (crit(OID.subjectKeyIdentifier)) return 'subjectKeyIdentifier must be non-critical';
  if (crit(OID.authorityInfoAccess)) return 'authorityInfoAccess must be non-critical';
  const isCA = c.basicConstraints?.ca === true;
  // RFC 5280 §4.2.1.3; Chromium does not apply it to the target certificate (profile doc, a.).
  if (c.keyUsage?.includes('keyCertSign') && !isCA && !(profile === 'chromium' && role === 'leaf'))
    return 'keyCertSign asserted without basicConstraints cA';
  if (role !== 'anchor' && !isSelfSigned(c)) {
    if (!c.authorityKeyIdentifier) return 'authorityKeyIdentifier missing';
    if (!c.authorityKeyIdentifier.keyIdentifier) return 'authorityKeyIdentifier without keyIdentifier';
  }
  if (role !== 'leaf') {
    if (!c.subjectKeyIdentifier) return 'subjectKeyIdentifier missing in a CA certificate';
    if (c.subject.isEmpty) return 'CA certificate with an empty subject';
  }
  // §4.2.1.9 requires a critical basicConstraints in CA certificates, but §6.1 does not reject a
  // non-critical one in intermediates (PKITS 4.6.4 expects it accepted); a root is held to it.
  if (role === 'anchor' && (!c.basicConstraints || !crit(OID.basicConstraints))) {
    return 'trust anchor basicConstraints missing or not critical';
  }
  if (c.nameConstraints) {
    if (!isCA) return 'nameConstraints in a certificate that is not a CA';
    if (profile !== 'webpki' && !crit(OID.nameConstraints)) return 'nameConstraints must be critical';
  }
  if (c.subject.isEmpty && (!c.subjectAltName || !crit(OID.subjectAltName))) {
    return 'empty subject requires a critical subjectAltName';
  }
  for (const g of c.subjectAltName ?? []) {
    if (g.type === 'dns' && !isValidDnsName(g.value, true))
      return `subjectAltName dNSName "${g.value}" is not a valid host name`;
  }
  if (profile === 'webpki') return webpkiProblem(c, role);
  return null;
}

function webpkiProblem(c: Certificate, role: Role): string | null {
  const crit = (oid: string) => c.extension(oid)?.critical === true;
  if (c.version !== 3) return 'only v3 certificates are allowed';
  let info: ReturnType<typeof parsePublicKeyInfo>;
  try {
    info = parsePublicKeyInfo(c.spki);
  } catch (e) {
    return `public key not acceptable: ${(e as Error).message}`;
  }
  if (!info.spec) return 'public key algorithm or curve not allowed';
  if (info.spec.type === 'RSA' && (info.spec.modulusLength < 2048 || info.spec.modulusLength % 8 !== 0)) {
    return `RSA key of ${info.spec.modulusLength} bits not allowed (>= 2048, multiple of 8)`;
  }
  if (role === 'anchor') {
    if (c.extKeyUsage) return 'root certificate with extendedKeyUsage';
    const aki = c.authorityKeyIdentifier;
    if (aki) {
      if (!aki.keyIdentifier || aki.authorityCertIssuer || aki.authorityCertSerialNumber) {
        return 'root authorityKeyIdentifier must hold only keyIdentifier';
      }
      if (c.subjectKeyIdentifier && toHex(aki.keyIdentifier) !== toHex(c.subjectKeyIdentifier)) {
        return 'root authorityKeyIdentifier differs from its subjectKeyIdentifier';
      }
    }
  }
  if (role === 'leaf') {
    if (c.basicConstraints?.ca) return 'CA certificate used as end entity';
    if (!c.extKeyUsage) return 'end-entity certificate without extendedKeyUsage';
    if (crit(OID.extKeyUsage)) return 'extendedKeyUsage must be non-critical';
    if (c.extKeyUsage.includes(OID.anyExtendedKeyUsage))
      return 'anyExtendedKeyUsage in an end-entity certificate';
    if (!c.subjectAltName) return 'end-entity certificate without subjectAltName';
    if (!c.subject.isEmpty && crit(OID.subjectAltName))
      return 'subjectAltName must be non-critical with a subject';
    const cnProblem = commonNameProblem(c);
    if (cnProblem) return cnProblem;
  }
  for (const ad of c.authorityInfoAccess ?? []) {
    if (ad.location.type !== 'uri') return 'authorityInfoAccess location is not a URI';
  }
  return null;
}

/**
 * CA/B Forum BR 7.1.4.3: a subscriber commonName must be a byte-for-byte copy of a SAN dNSName,
 * or an IP address in SAN written canonically (dotted quad; RFC 5952 for IPv6).
 */
function commonNameProblem(c: Certificate): string | null {
  const cns = c.subject.get(OID.commonName);
  const san = c.subjectAltName ?? [];
  for (const cn of cns) {
    if (san.some((g) => g.type === 'dns' && g.value === cn)) continue;
    if (san.some((g) => g.type === 'ip' && canonicalIp(g.value) === cn)) continue;
    return `commonName "${cn}" is not a copy of a subjectAltName entry`;
  }
  return null;
}

function canonicalIp(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => (b[2 * i]! << 8) | b[2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

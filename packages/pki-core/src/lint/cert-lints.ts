/**
 * Certificate lints: RFC 5280 §4 (encoding, names, extensions, keys, validity, serial), the
 * kind-of-certificate profiles (root, sub-CA, OCSP signer, TSA, TLS server), ETSI EN 319 412-2/-3
 * subject rules and the Vietnamese identifiers and NEAC minimums.
 *
 * A check returns `undefined` (pass), `'na'` (not applicable) or a string (fail: what was found).
 */
import { DerReader, Tag, decodeOid } from '../der.js';
import { CURVE_BY_OID } from '../crypto/algorithms.js';
import { type AttributeTypeAndValue, attributeShortName } from '../name.js';
import { OID } from '../oids.js';
import type { KeyUsage } from '../x509/extensions.js';
import type { LintInfo, LintProfile } from './types.js';
import { QC_LINTS } from './qc-lints.js';
import { type CertView, LINT_KNOWN_EXTENSIONS } from './view.js';

export type { CheckOutcome } from './outcome.js';
import type { CheckOutcome } from './outcome.js';

/**
 * A certificate lint: its metadata, the profiles it runs under, and the check over a decoded view of
 * the certificate (`undefined` pass, `'na'` not applicable, a string: what failed).
 */
export interface CertLint extends LintInfo {
  /** Certificate lints read certificates. */
  target: 'certificate';
  /** Profiles the lint runs under (all when absent). */
  profiles?: readonly LintProfile[];
  /** The check: `undefined` pass, `'na'` not applicable, a string says what failed. */
  check(v: CertView): CheckOutcome;
}

const CA_PROFILES = ['root', 'sub-ca'] as const;
const PERSON = ['person', 'official'] as const;
const SIGNING_EE = ['person', 'official', 'organization'] as const;
const VN_PROFILES = ['person', 'official', 'organization'] as const;

/**
 * True when `s` is certainly in NFC without normalising it: every character is below U+0300
 * (Latin-1, Latin Extended-A/B, IPA, spacing modifiers: no combining marks, no composition
 * exclusions) or a precomposed Vietnamese letter U+1EA0..U+1EF9. False means "check".
 */
export function isSurelyNfc(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x300 && !(c >= 0x1ea0 && c <= 0x1ef9)) return false;
  }
  return true;
}
const STRING_TYPES_OK = new Set<number>([Tag.PRINTABLE_STRING, Tag.UTF8_STRING]);
/** RFC 5280 Appendix A upper bounds (characters). */
const UPPER_BOUNDS: Record<string, number> = {
  [OID.commonName]: 64,
  [OID.organizationName]: 64,
  [OID.organizationalUnitName]: 64,
  [OID.localityName]: 128,
  [OID.stateOrProvinceName]: 128,
  [OID.title]: 64,
  [OID.serialNumber]: 64,
  [OID.emailAddress]: 255,
  [OID.givenName]: 32768,
  [OID.surname]: 32768,
  [OID.pseudonym]: 128,
  [OID.postalCode]: 40,
};
/** Attributes whose type is not DirectoryString (string-type lint skips them; they have their own rules). */
const NON_DIRECTORY = new Set<string>([
  OID.countryName,
  OID.emailAddress,
  OID.domainComponent,
  OID.serialNumber,
  OID.dnQualifier,
]);

function attrs(v: CertView): AttributeTypeAndValue[] {
  return v.subjectAttrs;
}
const NONE: readonly string[] = [];
function values(v: CertView, oid: string): readonly string[] {
  return v.subjectValues.get(oid) ?? NONE;
}
const has = (v: CertView, oid: string) => values(v, oid).length > 0;
const hasKu = (v: CertView, k: KeyUsage) => v.ku?.includes(k) === true;

function timeProblem(label: string, t: CertView['c']['notBefore']): string | undefined {
  if (!t.date) return `${label} ${JSON.stringify(t.text)} is not a valid time`;
  const y = t.date.getUTCFullYear();
  if (t.tag === Tag.UTC_TIME) {
    if (!/^\d{12}Z$/.test(t.text)) return `${label} UTCTime ${JSON.stringify(t.text)} is not YYMMDDHHMMSSZ`;
    if (y >= 2050) return `${label} year ${y} needs GeneralizedTime`;
  } else {
    if (!/^\d{14}Z$/.test(t.text))
      return `${label} GeneralizedTime ${JSON.stringify(t.text)} is not YYYYMMDDHHMMSSZ`;
    if (y < 2050) return `${label} year ${y} must be UTCTime`;
  }
  return undefined;
}

/** RFC 5321 addr-spec (ASCII local part, dot-atom or quoted; domain of LDH labels). */
const MAIL_ATOM = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const MAIL_QUOTED = /^"([\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e])*"$/;
function mailboxOk(s: string): boolean {
  const at = s.lastIndexOf('@');
  if (at <= 0 || at === s.length - 1) return false;
  const local = s.slice(0, at);
  const domain = s.slice(at + 1);
  return (MAIL_ATOM.test(local) || MAIL_QUOTED.test(local)) && dnsOk(domain, false);
}
/** LDH labels of 1-63 characters, not starting or ending with '-', joined by dots. */
const DNS_LABELS =
  /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** RFC 5280 §4.2.1.6 / RFC 1034 preferred name syntax (a leading "*." allowed when `wildcard`). */
function dnsOk(s: string, wildcard = true): boolean {
  const n = wildcard && s.startsWith('*.') ? s.slice(2) : s;
  return n.length > 0 && n.length <= 253 && DNS_LABELS.test(n);
}

const WEAK_SIG = new Map<string, string>([
  [OID.md5WithRSAEncryption, 'md5WithRSAEncryption'],
  [OID.sha1WithRSAEncryption, 'sha1WithRSAEncryption'],
  [OID.ecdsaWithSHA1, 'ecdsa-with-SHA1'],
  ['1.2.840.10040.4.3', 'dsa-with-sha1'],
  ['1.2.840.113549.1.1.2', 'md2WithRSAEncryption'],
]);

/** EKU purpose → key usages consistent with it (RFC 5280 §4.2.1.12). */
const EKU_KU: Record<string, KeyUsage[]> = {
  [OID.serverAuth]: ['digitalSignature', 'keyEncipherment', 'keyAgreement'],
  [OID.clientAuth]: ['digitalSignature', 'keyAgreement'],
  '1.3.6.1.5.5.7.3.3': ['digitalSignature'],
  [OID.emailProtection]: ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'keyAgreement'],
  [OID.timeStamping]: ['digitalSignature', 'nonRepudiation'],
  [OID.ocspSigning]: ['digitalSignature', 'nonRepudiation'],
  [OID.documentSigning]: ['digitalSignature', 'nonRepudiation'],
};

const uidValues = (v: CertView) => values(v, OID.userId);
/** UID values with `PREFIX:` (case-insensitive prefix), the prefix removed; computed once per view. */
function uidWith(v: CertView, prefix: string): string[] {
  let m = v.uidsByPrefix;
  if (!m) {
    m = new Map();
    for (const u of uidValues(v)) {
      const colon = u.indexOf(':');
      if (colon <= 0) continue;
      const p = u.slice(0, colon).toUpperCase();
      const list = m.get(p);
      if (list) list.push(u.slice(colon + 1));
      else m.set(p, [u.slice(colon + 1)]);
    }
    v.uidsByPrefix = m;
  }
  return m.get(prefix) ?? NO_UIDS;
}
const NO_UIDS: string[] = [];
function uidFormat(v: CertView, prefix: string, re: RegExp, what: string): CheckOutcome {
  const vals = uidWith(v, prefix);
  if (vals.length === 0) return 'na';
  const bad = vals.filter((x) => !re.test(x));
  return bad.length ? `UID=${prefix}:${bad[0]} is not ${what}` : undefined;
}

/**
 * Every certificate lint (RFC 5280 §4, X.690 DER, the certificate-kind profiles, ETSI EN 319 412-2/-3,
 * the Vietnamese identifiers and NEAC minimums), qcStatements lints (`QC_LINTS`) included. Run them
 * with `lint`; `listLints` gives their metadata.
 */
export const CERT_LINTS: readonly CertLint[] = [
  // ---- Encoding -------------------------------------------------------------------------------
  {
    name: 'e_x690_der_encoding',
    severity: 'error',
    source: 'X.690',
    clause: '§10 (DER); RFC 5280 §4.1',
    description:
      'the certificate must be DER: minimal lengths and integers, canonical BOOLEAN, valid strings and times',
    target: 'certificate',
    check: (v) => v.c.derProblem,
  },
  {
    name: 'e_x690_ext_critical_false_encoded',
    severity: 'error',
    source: 'X.690',
    clause: '§11.5; RFC 5280 §4.1 (critical BOOLEAN DEFAULT FALSE)',
    description: 'an extension critical flag equal to its DEFAULT (FALSE) must be omitted in DER',
    target: 'certificate',
    check: (v) => {
      const e = v.c.extensions.find((x) => x.explicitFalse);
      return e ? `extension ${e.oid} encodes critical FALSE` : undefined;
    },
  },
  {
    name: 'e_rfc5280_ext_value_malformed',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2',
    description: 'each extension value must be the DER encoding of the extension\u2019s ASN.1 type',
    target: 'certificate',
    check: (v) => {
      if (v.extProblems.size === 0) return undefined;
      const first = v.extProblems.entries().next();
      const [oid, m] = first.done ? [] : first.value;
      return oid ? `extension ${oid}: ${m}` : undefined;
    },
  },
  {
    name: 'e_rfc5280_signature_algorithm_mismatch',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.1.1.2',
    description: 'signatureAlgorithm must be identical to tbsCertificate.signature',
    target: 'certificate',
    check: (v) => {
      if (!v.c.outerSigAlg) return 'na';
      const a = v.c.outerSigAlg;
      const b = v.c.tbsSigAlg;
      return a.length === b.length && a.every((x, i) => x === b[i])
        ? undefined
        : 'outer signatureAlgorithm differs from tbsCertificate.signature';
    },
  },
  {
    name: 'e_rfc5280_version',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.1.2.1',
    description: 'a certificate with extensions must be v3 (unique identifiers need v2 or v3)',
    target: 'certificate',
    check: (v) => {
      if (v.c.version > 3) return `version ${v.c.version} does not exist`;
      if (v.c.extensions.length > 0 && v.c.version !== 3) return `v${v.c.version} certificate has extensions`;
      if ((v.c.issuerUid || v.c.subjectUid) && v.c.version < 2)
        return 'v1 certificate has unique identifiers';
      return undefined;
    },
  },
  {
    name: 'e_rfc5280_serial_not_positive',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.1.2.2',
    description: 'the serial number must be a positive integer',
    target: 'certificate',
    check: (v) => {
      const s = v.c.serial;
      if (s.length === 0) return 'empty serial';
      if (s[0]! & 0x80) return 'serial is negative';
      if (s.every((b) => b === 0)) return 'serial is zero';
      return undefined;
    },
  },
  {
    name: 'e_rfc5280_serial_too_long',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.1.2.2',
    description: 'conforming CAs must not use serial numbers longer than 20 octets',
    target: 'certificate',
    check: (v) => (v.c.serial.length > 20 ? `serial is ${v.c.serial.length} octets` : undefined),
  },
  {
    name: 'e_rfc5280_time_encoding',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.1.2.5.1, §4.1.2.5.2',
    description:
      'validity dates through 2049 are UTCTime YYMMDDHHMMSSZ, from 2050 GeneralizedTime YYYYMMDDHHMMSSZ',
    target: 'certificate',
    check: (v) => timeProblem('notBefore', v.c.notBefore) ?? timeProblem('notAfter', v.c.notAfter),
  },
  {
    name: 'e_rfc5280_validity_inverted',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.1.2.5',
    description: 'notBefore must not be later than notAfter (the validity period would be empty)',
    target: 'certificate',
    check: (v) => {
      const a = v.c.notBefore.date;
      const b = v.c.notAfter.date;
      if (!a || !b) return 'na';
      return a.getTime() > b.getTime()
        ? `notBefore ${a.toISOString()} is after notAfter ${b.toISOString()}`
        : undefined;
    },
  },
  {
    name: 'e_rfc5280_unique_identifiers',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.1.2.8',
    description: 'CAs conforming to RFC 5280 must not generate certificates with unique identifiers',
    target: 'certificate',
    check: (v) => (v.c.issuerUid || v.c.subjectUid ? 'issuerUniqueID or subjectUniqueID present' : undefined),
  },
  // ---- Names ------------------------------------------------------------------------------------
  {
    name: 'e_rfc5280_name_malformed',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.1.2.4, §4.1.2.6',
    description: 'issuer and subject must be decodable Names with valid string values',
    target: 'certificate',
    check: (v) =>
      v.c.issuerProblem
        ? `issuer: ${v.c.issuerProblem}`
        : v.c.subjectProblem
          ? `subject: ${v.c.subjectProblem}`
          : undefined,
  },
  {
    name: 'e_rfc5280_issuer_empty',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.1.2.4',
    description: 'the issuer field must contain a non-empty distinguished name',
    target: 'certificate',
    check: (v) => (v.c.issuer ? (v.c.issuer.isEmpty ? 'issuer is empty' : undefined) : 'na'),
  },
  {
    name: 'e_rfc5280_empty_subject_san',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.1.2.6, §4.2.1.6',
    description: 'an empty subject needs a subjectAltName extension marked critical',
    target: 'certificate',
    check: (v) => {
      if (!v.c.subject) return 'na';
      if (!v.c.subject.isEmpty) return 'na';
      const san = v.ext(OID.subjectAltName);
      if (!san) return 'subject is empty and there is no subjectAltName';
      return san.critical ? undefined : 'subject is empty and subjectAltName is not critical';
    },
  },
  {
    name: 'e_rfc5280_directory_string_type',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.1.2.4 (DirectoryString), Appendix A',
    description:
      'new certificates encode DirectoryString as PrintableString or UTF8String; C is PrintableString, E and DC IA5String',
    target: 'certificate',
    check: (v) => {
      for (const a of attrs(v)) {
        const n = attributeShortName(a.type);
        if (a.type === OID.countryName && a.tag !== Tag.PRINTABLE_STRING)
          return `${n} is not PrintableString`;
        if ((a.type === OID.emailAddress || a.type === OID.domainComponent) && a.tag !== Tag.IA5_STRING)
          return `${n} is not IA5String`;
        if (!NON_DIRECTORY.has(a.type) && !a.value.startsWith('#') && !STRING_TYPES_OK.has(a.tag))
          return `${n} uses string tag 0x${a.tag.toString(16)} (not PrintableString or UTF8String)`;
      }
      return undefined;
    },
  },
  {
    name: 'e_rfc5198_utf8_not_nfc',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§7.1 (names compared after RFC 4518 preparation); RFC 5198 §2 (NFC for interchange)',
    description:
      'UTF8String name values must be in Unicode Normalization Form C, or the same text fails to match elsewhere',
    target: 'certificate',
    check: (v) => {
      for (const a of attrs(v)) {
        // Latin and precomposed Vietnamese text is always NFC (no normalisation pass needed).
        if (a.tag === Tag.UTF8_STRING && !isSurelyNfc(a.value) && a.value !== a.value.normalize('NFC'))
          return `${attributeShortName(a.type)}=${JSON.stringify(a.value)} is not NFC`;
      }
      return undefined;
    },
  },
  {
    name: 'e_rfc5280_country_code',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.1.2.4, Appendix A (X520countryName: ISO 3166 two-letter code)',
    description: 'countryName must be a two-letter upper-case ISO 3166 code',
    target: 'certificate',
    check: (v) => {
      const cs = attrs(v).filter((a) => a.type === OID.countryName);
      if (cs.length === 0) return 'na';
      const bad = cs.find((a) => !/^[A-Z]{2}$/.test(a.value));
      return bad ? `C=${bad.value}` : undefined;
    },
  },
  {
    name: 'e_rfc5280_attribute_too_long',
    severity: 'error',
    source: 'RFC 5280',
    clause: 'Appendix A (ub-common-name 64, ub-organization-name 64, ...)',
    description: 'subject attribute values must respect the upper bounds of RFC 5280 Appendix A',
    target: 'certificate',
    check: (v) => {
      for (const a of attrs(v)) {
        const ub = UPPER_BOUNDS[a.type];
        if (ub !== undefined && [...a.value].length > ub)
          return `${attributeShortName(a.type)} has ${[...a.value].length} characters (max ${ub})`;
      }
      return undefined;
    },
  },
  {
    name: 'e_rfc5280_subject_email_not_in_san',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.1.2.6',
    description: 'an e-mail address in the subject (E=) must also be an rfc822Name in subjectAltName',
    target: 'certificate',
    check: (v) => {
      const emails = values(v, OID.emailAddress);
      if (emails.length === 0) return 'na';
      const san = (v.san ?? [])
        .filter((g) => g.type === 'email')
        .map((g) => (g as { value: string }).value.toLowerCase());
      const missing = emails.find((e) => !san.includes(e.toLowerCase()));
      return missing ? `E=${missing} is not in subjectAltName rfc822Name` : undefined;
    },
  },
  {
    name: 'e_rfc5280_san_rfc822_syntax',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2.1.6 (rfc822Name is a Mailbox, RFC 5321 §4.1.2)',
    description: 'each rfc822Name must be an addr-spec local-part@domain without display name or brackets',
    target: 'certificate',
    check: (v) => {
      const es = (v.san ?? []).filter((g) => g.type === 'email');
      if (es.length === 0) return 'na';
      const bad = es.find((g) => !mailboxOk((g as { value: string }).value));
      return bad ? `rfc822Name ${JSON.stringify((bad as { value: string }).value)}` : undefined;
    },
  },
  {
    name: 'e_rfc5280_san_dns_syntax',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2.1.6 (preferred name syntax, RFC 1034 §3.5; " " must not be used)',
    description: 'each dNSName must be in preferred name syntax (LDH labels, optional leading wildcard)',
    target: 'certificate',
    check: (v) => {
      const ds = (v.san ?? []).filter((g) => g.type === 'dns');
      if (ds.length === 0) return 'na';
      const bad = ds.find((g) => !dnsOk((g as { value: string }).value));
      return bad ? `dNSName ${JSON.stringify((bad as { value: string }).value)}` : undefined;
    },
  },
  // ---- Extensions ---------------------------------------------------------------------------
  {
    name: 'e_rfc5280_ext_duplicate',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2',
    description: 'a certificate must not include more than one instance of a particular extension',
    target: 'certificate',
    check: (v) => {
      const seen = new Set<string>();
      for (const e of v.c.extensions) {
        if (seen.has(e.oid)) return `extension ${e.oid} appears twice`;
        seen.add(e.oid);
      }
      return undefined;
    },
  },
  {
    name: 'w_rfc5280_ext_unknown_critical',
    severity: 'warning',
    source: 'RFC 5280',
    clause: '§4.2',
    description: 'a critical extension unknown to relying parties makes them reject the certificate',
    target: 'certificate',
    check: (v) => {
      const e = v.c.extensions.find((x) => x.critical && !LINT_KNOWN_EXTENSIONS.has(x.oid));
      return e ? `critical extension ${e.oid}` : undefined;
    },
  },
  {
    name: 'e_rfc5280_ca_basic_constraints_not_critical',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2.1.9',
    description: 'CA certificates must carry basicConstraints marked critical',
    target: 'certificate',
    check: (v) => {
      if (!v.isCA && !hasKu(v, 'keyCertSign')) return 'na';
      const e = v.ext(OID.basicConstraints);
      if (!e) return 'keyCertSign asserted without basicConstraints';
      return e.critical ? undefined : 'basicConstraints is not critical';
    },
  },
  {
    name: 'e_rfc5280_keycertsign_without_ca',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2.1.3',
    description: 'if keyCertSign is asserted, basicConstraints cA must be asserted too',
    target: 'certificate',
    check: (v) => (hasKu(v, 'keyCertSign') ? (v.isCA ? undefined : 'keyCertSign without cA') : 'na'),
  },
  {
    name: 'e_rfc5280_path_len_without_ca_keycertsign',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2.1.9',
    description: 'pathLenConstraint only when cA is asserted and keyUsage asserts keyCertSign',
    target: 'certificate',
    check: (v) => {
      if (v.bc?.pathLenConstraint === undefined) return 'na';
      if (!v.isCA) return 'pathLenConstraint without cA';
      return hasKu(v, 'keyCertSign') ? undefined : 'pathLenConstraint without keyCertSign';
    },
  },
  {
    name: 'e_rfc5280_ca_key_usage_missing',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2.1.3',
    description: 'CA certificates (whose keys verify certificates or CRLs) must include keyUsage',
    target: 'certificate',
    check: (v) => (v.isCA ? (v.ext(OID.keyUsage) ? undefined : 'CA certificate without keyUsage') : 'na'),
  },
  {
    name: 'w_rfc5280_key_usage_not_critical',
    severity: 'warning',
    source: 'RFC 5280',
    clause: '§4.2.1.3',
    description: 'keyUsage should be marked critical',
    target: 'certificate',
    check: (v) => {
      const e = v.ext(OID.keyUsage);
      return e ? (e.critical ? undefined : 'keyUsage is not critical') : 'na';
    },
  },
  {
    name: 'e_rfc5280_aki_missing',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2.1.1',
    description:
      'authorityKeyIdentifier must be present (it may be omitted only in self-signed certificates)',
    target: 'certificate',
    check: (v) =>
      v.selfIssued ? 'na' : v.ext(OID.authorityKeyIdentifier) ? undefined : 'no authorityKeyIdentifier',
  },
  {
    name: 'e_rfc5280_aki_critical',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2.1.1',
    description: 'authorityKeyIdentifier must not be marked critical',
    target: 'certificate',
    check: (v) => {
      const e = v.ext(OID.authorityKeyIdentifier);
      return e ? (e.critical ? 'authorityKeyIdentifier is critical' : undefined) : 'na';
    },
  },
  {
    name: 'e_rfc5280_aki_key_identifier_missing',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2.1.1',
    description: 'authorityKeyIdentifier must include the keyIdentifier field',
    target: 'certificate',
    check: (v) =>
      v.aki ? (v.aki.keyIdentifier ? undefined : 'authorityKeyIdentifier has no keyIdentifier') : 'na',
  },
  {
    name: 'e_rfc5280_ca_ski_missing',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2.1.2',
    description: 'subjectKeyIdentifier must appear in all CA certificates',
    target: 'certificate',
    check: (v) =>
      v.isCA
        ? v.ext(OID.subjectKeyIdentifier)
          ? undefined
          : 'CA certificate without subjectKeyIdentifier'
        : 'na',
  },
  {
    name: 'w_rfc5280_ski_missing',
    severity: 'warning',
    source: 'RFC 5280',
    clause: '§4.2.1.2',
    description: 'end-entity certificates should include subjectKeyIdentifier',
    target: 'certificate',
    check: (v) => (v.isCA ? 'na' : v.ext(OID.subjectKeyIdentifier) ? undefined : 'no subjectKeyIdentifier'),
  },
  {
    name: 'e_rfc5280_ski_critical',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2.1.2',
    description: 'subjectKeyIdentifier must not be marked critical',
    target: 'certificate',
    check: (v) => {
      const e = v.ext(OID.subjectKeyIdentifier);
      return e ? (e.critical ? 'subjectKeyIdentifier is critical' : undefined) : 'na';
    },
  },
  {
    name: 'e_rfc5280_aia_critical',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2.2.1',
    description: 'authorityInfoAccess must not be marked critical',
    target: 'certificate',
    check: (v) => {
      const e = v.ext(OID.authorityInfoAccess);
      return e ? (e.critical ? 'authorityInfoAccess is critical' : undefined) : 'na';
    },
  },
  {
    name: 'w_rfc5280_crl_dp_critical',
    severity: 'warning',
    source: 'RFC 5280',
    clause: '§4.2.1.13',
    description: 'cRLDistributionPoints should be non-critical',
    target: 'certificate',
    check: (v) => {
      const e = v.ext(OID.cRLDistributionPoints);
      return e ? (e.critical ? 'cRLDistributionPoints is critical' : undefined) : 'na';
    },
  },
  {
    name: 'e_rfc5280_name_constraints',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2.1.10',
    description: 'nameConstraints must be critical and only in CA certificates',
    target: 'certificate',
    check: (v) => {
      const e = v.ext(OID.nameConstraints);
      if (!e) return 'na';
      if (!v.isCA) return 'nameConstraints in an end-entity certificate';
      return e.critical ? undefined : 'nameConstraints is not critical';
    },
  },
  {
    name: 'e_rfc5280_policy_duplicate',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2.1.4',
    description: 'a certificate policy OID must not appear more than once in certificatePolicies',
    target: 'certificate',
    check: (v) => {
      const e = v.ext(OID.certificatePolicies);
      if (!e) return 'na';
      // Read the OIDs directly: the strict parser refuses a duplicate before a lint could see it.
      const list = new DerReader(e.value).enter(Tag.SEQUENCE);
      const seen = new Set<string>();
      while (!list.done) {
        const oid = list.enter(Tag.SEQUENCE).readOid();
        if (seen.has(oid)) return `policy ${oid} twice`;
        seen.add(oid);
      }
      return undefined;
    },
  },
  {
    name: 'e_rfc5280_eku_key_usage_inconsistent',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2.1.12',
    description:
      'extendedKeyUsage purposes must be consistent with keyUsage (else the key is usable for neither)',
    target: 'certificate',
    check: (v) => {
      if (!v.eku || !v.ku) return 'na';
      for (const p of v.eku) {
        const ok = EKU_KU[p];
        if (ok && !ok.some((k) => v.ku!.includes(k))) return `EKU ${p} needs one of ${ok.join(', ')}`;
      }
      return undefined;
    },
  },
  // ---- Keys and algorithms ------------------------------------------------------------------
  {
    name: 'e_rfc5480_spki_malformed',
    severity: 'error',
    source: 'RFC 5480',
    clause: '§2.1.1 (namedCurve only); RFC 3279 §2.3.1 (rsaEncryption NULL parameters)',
    description: 'the public key must be well formed: RSA with NULL parameters, EC with a named curve',
    target: 'certificate',
    check: (v) => v.c.keyProblem,
  },
  {
    name: 'e_key_rsa_too_small',
    severity: 'error',
    source: 'Circular 15/2025/TT-BKHCN',
    clause: 'minimum key sizes (RSA ≥ 2048); CA/B BR §6.1.5',
    description: 'RSA keys must have a modulus of at least 2048 bits (NEAC minimum)',
    target: 'certificate',
    check: (v) => {
      const s = v.c.keyInfo?.spec;
      if (s?.type !== 'RSA') return 'na';
      return s.modulusLength < 2048 ? `RSA-${s.modulusLength}` : undefined;
    },
  },
  {
    name: 'w_cabf_rsa_exponent',
    severity: 'warning',
    source: 'CA/B Forum BR',
    clause: '§6.1.6',
    description: 'the RSA public exponent should be an odd number from 65537 (2^16+1) up',
    target: 'certificate',
    check: (v) => {
      const s = v.c.keyInfo?.spec;
      if (s?.type !== 'RSA') return 'na';
      const e = rsaExponent(v.c.keyInfo!.publicKey);
      if (e === undefined) return 'na';
      return e < 65537n || e % 2n === 0n ? `exponent ${e}` : undefined;
    },
  },
  {
    name: 'e_key_ec_curve_not_allowed',
    severity: 'error',
    source: 'Circular 15/2025/TT-BKHCN',
    clause: 'minimum key sizes (ECDSA ≥ 256); CA/B BR §6.1.5 (P-256, P-384, P-521)',
    description: 'EC keys must be on P-256, P-384 or P-521',
    target: 'certificate',
    check: (v) => {
      if (v.c.spkiAlgOid !== OID.ecPublicKey) return 'na';
      const p = v.c.spkiParams;
      if (!p || p[0] !== Tag.OID) return 'na';
      const curveOid = curveOidOf(p);
      return CURVE_BY_OID.has(curveOid) ? undefined : `curve ${curveOid}`;
    },
  },
  {
    name: 'e_sig_alg_weak_hash',
    severity: 'error',
    source: 'Circular 16/2019/TT-BTTTT',
    clause: 'Appendix §1.1.3 (SHA-2/SHA-3 only; SHA-1 not listed); CA/B BR §7.1.3.2',
    description: 'the certificate must not be signed with MD2, MD5 or SHA-1',
    target: 'certificate',
    check: (v) => {
      const w = WEAK_SIG.get(v.c.sigAlgOid);
      return w ? `signed with ${w}` : undefined;
    },
  },
  // ---- Kind of certificate ------------------------------------------------------------------
  {
    name: 'e_profile_ca_expected',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2.1.9, §4.2.1.3',
    description: 'root and sub-CA certificates must assert cA and keyCertSign',
    target: 'certificate',
    profiles: CA_PROFILES,
    check: (v) =>
      !v.isCA ? 'cA is not asserted' : hasKu(v, 'keyCertSign') ? undefined : 'keyCertSign is not asserted',
  },
  {
    name: 'e_profile_root_not_self_issued',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§3.2, §6.1',
    description: 'a root certificate is self-issued: subject equals issuer',
    target: 'certificate',
    profiles: ['root'],
    check: (v) => (v.selfIssued ? undefined : 'subject differs from issuer'),
  },
  {
    name: 'e_profile_end_entity_is_ca',
    severity: 'error',
    source: 'RFC 5280',
    clause: '§4.2.1.9',
    description: 'end-entity profiles (person, official, organisation, OCSP, TSA, TLS) must not assert cA',
    target: 'certificate',
    profiles: ['person', 'official', 'organization', 'ocsp-signer', 'tsa', 'tls-server'],
    check: (v) => (v.isCA ? 'cA is asserted' : undefined),
  },
  {
    name: 'e_rfc6960_ocsp_signer_eku',
    severity: 'error',
    source: 'RFC 6960',
    clause: '§4.2.2.2',
    description: 'a delegated OCSP signer certificate must include id-kp-OCSPSigning in extendedKeyUsage',
    target: 'certificate',
    profiles: ['ocsp-signer'],
    check: (v) => (v.eku?.includes(OID.ocspSigning) ? undefined : 'id-kp-OCSPSigning missing'),
  },
  {
    name: 'n_rfc6960_ocsp_signer_no_check',
    severity: 'notice',
    source: 'RFC 6960',
    clause: '§4.2.2.2.1',
    description:
      'an OCSP signer certificate usually carries id-pkix-ocsp-nocheck (else clients must check its status)',
    target: 'certificate',
    profiles: ['ocsp-signer'],
    check: (v) => (v.ext(OID.ocspNoCheck) ? undefined : 'no id-pkix-ocsp-nocheck'),
  },
  {
    name: 'e_rfc3161_tsa_eku',
    severity: 'error',
    source: 'RFC 3161',
    clause: '§2.3',
    description:
      'a TSA certificate must have exactly one extendedKeyUsage, id-kp-timeStamping, marked critical',
    target: 'certificate',
    profiles: ['tsa'],
    check: (v) => {
      const e = v.ext(OID.extKeyUsage);
      if (!e || !v.eku) return 'no extendedKeyUsage';
      if (v.eku.length !== 1 || v.eku[0] !== OID.timeStamping) return `EKU ${v.eku.join(', ')}`;
      return e.critical ? undefined : 'extendedKeyUsage is not critical';
    },
  },
  {
    name: 'e_cabf_tls_server_san',
    severity: 'error',
    source: 'CA/B Forum BR',
    clause: '§7.1.2.7.12',
    description: 'a TLS server certificate must name its hosts in subjectAltName (dNSName or iPAddress)',
    target: 'certificate',
    profiles: ['tls-server'],
    check: (v) =>
      (v.san ?? []).some((g) => g.type === 'dns' || g.type === 'ip') ? undefined : 'no dNSName or iPAddress',
  },
  // ---- ETSI EN 319 412 ----------------------------------------------------------------------
  {
    name: 'w_etsi_natural_person_subject',
    severity: 'warning',
    source: 'ETSI EN 319 412-2',
    clause: '§4.2.4 (NAT-4.2.4-1)',
    description:
      'a natural-person certificate subject should include countryName and commonName (ETSI: shall)',
    target: 'certificate',
    profiles: PERSON,
    check: (v) =>
      !has(v, OID.countryName) ? 'no countryName' : !has(v, OID.commonName) ? 'no commonName' : undefined,
  },
  {
    name: 'n_etsi_natural_person_names',
    severity: 'notice',
    source: 'ETSI EN 319 412-2',
    clause: '§4.2.4 (NAT-4.2.4-1)',
    description:
      'ETSI expects givenName and/or surname, or a pseudonym; Vietnamese CAs put the full name in CN only',
    target: 'certificate',
    profiles: PERSON,
    check: (v) =>
      has(v, OID.givenName) || has(v, OID.surname) || has(v, OID.pseudonym)
        ? undefined
        : 'no givenName, surname or pseudonym',
  },
  {
    name: 'w_etsi_legal_person_subject',
    severity: 'warning',
    source: 'ETSI EN 319 412-3',
    clause: '§4.2.1 (LEG-4.2.1-2)',
    description: 'a legal-person certificate subject should include countryName and commonName (ETSI: shall)',
    target: 'certificate',
    profiles: ['organization'],
    check: (v) =>
      !has(v, OID.countryName) ? 'no countryName' : !has(v, OID.commonName) ? 'no commonName' : undefined,
  },
  {
    name: 'w_etsi_legal_person_organization_name',
    severity: 'warning',
    source: 'ETSI EN 319 412-3',
    clause: '§4.2.1 (LEG-4.2.1-2)',
    description: 'a legal-person certificate subject should include organizationName (O)',
    target: 'certificate',
    profiles: ['organization'],
    check: (v) => (has(v, OID.organizationName) ? undefined : 'no organizationName'),
  },
  {
    name: 'n_etsi_legal_person_organization_identifier',
    severity: 'notice',
    source: 'ETSI EN 319 412-3',
    clause: '§4.2.1 (LEG-4.2.1-2)',
    description:
      'ETSI expects organizationIdentifier (2.5.4.97); Vietnamese CAs carry the tax code as UID=MST: instead',
    target: 'certificate',
    profiles: ['organization'],
    check: (v) => (has(v, OID.organizationIdentifier) ? undefined : 'no organizationIdentifier'),
  },
  {
    name: 'e_etsi_organization_identifier_format',
    severity: 'error',
    source: 'ETSI EN 319 412-1',
    clause: '§5.1.4',
    description:
      'organizationIdentifier is a 3-letter type (VAT, NTR, PSD, LEI...) + 2-letter country + "-" + identifier',
    target: 'certificate',
    check: (v) => {
      const ids = values(v, OID.organizationIdentifier);
      if (ids.length === 0) return 'na';
      const bad = ids.find((x) => !/^([A-Z]{3}[A-Z]{2}-.+|[A-Z]{2}:[A-Z]{2}-.+)$/.test(x));
      return bad ? `organizationIdentifier=${bad}` : undefined;
    },
  },
  {
    name: 'e_etsi_signing_key_usage',
    severity: 'error',
    source: 'ETSI EN 319 412-2',
    clause: '§4.3.2 (NAT-4.3.2-1); EN 319 412-3 §4.3.1',
    description:
      'a signing certificate keyUsage must assert digitalSignature and/or nonRepudiation (contentCommitment)',
    target: 'certificate',
    profiles: SIGNING_EE,
    check: (v) =>
      !v.ku
        ? 'no keyUsage'
        : hasKu(v, 'digitalSignature') || hasKu(v, 'nonRepudiation')
          ? undefined
          : `keyUsage ${v.ku.join(', ')}`,
  },
  // ---- Vietnam ------------------------------------------------------------------------------
  {
    name: 'e_vn_uid_cccd_format',
    severity: 'error',
    source: 'VN practice',
    clause:
      'Law 26/2023/QH15 on Identification, Art. 12 (12-digit personal identification number); vn-regulation §3.1',
    description: 'UID=CCCD: carries a citizen identity card number of exactly 12 digits',
    target: 'certificate',
    check: (v) => uidFormat(v, 'CCCD', /^\d{12}$/, '12 digits'),
  },
  {
    name: 'e_vn_uid_cmnd_format',
    severity: 'error',
    source: 'VN practice',
    clause: 'Decree 05/1999/NĐ-CP (9 digits) and the 12-digit card series; vn-regulation §3.1',
    description: 'UID=CMND: carries an identity card number of 9 or 12 digits',
    target: 'certificate',
    check: (v) => uidFormat(v, 'CMND', /^(\d{9}|\d{12})$/, '9 or 12 digits'),
  },
  {
    name: 'e_vn_uid_mst_format',
    severity: 'error',
    source: 'VN practice',
    clause: 'Circular 105/2020/TT-BTC Art. 5 (tax code 10 digits, dependent unit 10-3); vn-regulation §3.1',
    description: 'UID=MST: carries a tax code of 10 digits, or 10 digits "-" 3 digits for a branch',
    target: 'certificate',
    check: (v) => uidFormat(v, 'MST', /^\d{10}(-\d{3})?$/, '10 or 10-3 digits'),
  },
  {
    name: 'e_vn_uid_mns_format',
    severity: 'error',
    source: 'VN practice',
    clause: 'Circular 185/2015/TT-BTC (budget-relationship code, 7 digits); vn-regulation §3.1',
    description: 'UID=MNS: carries a budget-unit code of 7 digits',
    target: 'certificate',
    check: (v) => uidFormat(v, 'MNS', /^\d{7}$/, '7 digits'),
  },
  {
    name: 'w_vn_uid_prefix_unknown',
    severity: 'warning',
    source: 'VN practice',
    clause: 'vn-regulation §3.1 (UID=PREFIX:value, PREFIX one of CCCD, CMND, HC, MST, MNS)',
    description:
      'a UID in a Vietnamese subject should be PREFIX:value with a known prefix (CCCD, CMND, HC, MST, MNS)',
    target: 'certificate',
    check: (v) => {
      const uids = uidValues(v);
      if (
        uids.length === 0 ||
        !(values(v, OID.countryName).includes('VN') || VN_PROFILES.includes(v.profile as never))
      )
        return 'na';
      const bad = uids.find((u) => !/^(CCCD|CMND|HC|MST|MNS):/i.test(u));
      return bad ? `UID=${bad}` : undefined;
    },
  },
  {
    name: 'w_vn_person_identifier_missing',
    severity: 'warning',
    source: 'Decree 23/2025/NĐ-CP',
    clause: 'Art. 6 (subscriber information in the certificate); Art. 38 (identity verified)',
    description: 'a person certificate should carry the identity number as UID=CCCD:, UID=CMND: or UID=HC:',
    target: 'certificate',
    profiles: PERSON,
    check: (v) =>
      ['CCCD', 'CMND', 'HC'].some((p) => uidWith(v, p).length > 0) ? undefined : 'no UID=CCCD/CMND/HC',
  },
  {
    name: 'e_vn_official_title_missing',
    severity: 'error',
    source: 'Decree 23/2025/NĐ-CP',
    clause: 'Art. 13 (a competent person\u2019s certificate states the title)',
    description: 'a certificate of a competent person (official) must state the title in T= (2.5.4.12)',
    target: 'certificate',
    profiles: ['official'],
    check: (v) => (has(v, OID.title) ? undefined : 'no title (T=)'),
  },
  {
    name: 'n_vn_organization_tax_code_missing',
    severity: 'notice',
    source: 'Decree 23/2025/NĐ-CP',
    clause: 'Art. 6, Art. 13 (agency / organisation certificates)',
    description:
      'an organisation certificate should carry UID=MST: (tax code) or UID=MNS: (budget-unit code)',
    target: 'certificate',
    profiles: ['organization'],
    check: (v) =>
      uidWith(v, 'MST').length + uidWith(v, 'MNS').length > 0 ? undefined : 'no UID=MST or UID=MNS',
  },
  // ---- ETSI EN 319 412-5 qcStatements (qc-lints.ts) -----------------------------------------
  ...QC_LINTS,
];

/** The named-curve OID of EC parameters (through der.ts's cached OID decoder when it is well formed). */
function curveOidOf(p: Uint8Array): string {
  if (p.length >= 3 && p[1]! < 0x80 && p[1] === p.length - 2) {
    try {
      return decodeOid({ tag: Tag.OID, raw: p, value: p.subarray(2), offset: 0 });
    } catch {
      // fall through to the lenient reading
    }
  }
  return decodeCurve(p);
}

function decodeCurve(p: Uint8Array): string {
  const parts: number[] = [];
  let n = 0;
  for (let i = 2; i < p.length; i++) {
    n = n * 128 + (p[i]! & 0x7f);
    if (!(p[i]! & 0x80)) {
      parts.push(n);
      n = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const a = first < 80 ? Math.floor(first / 40) : 2;
  return [a, first - a * 40, ...parts].join('.');
}

function rsaExponent(pk: Uint8Array): bigint | undefined {
  // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
  try {
    let i = 0;
    const len = (): number => {
      const b = pk[i++]!;
      if (b < 0x80) return b;
      let l = 0;
      for (let k = 0; k < (b & 0x7f); k++) l = l * 256 + pk[i++]!;
      return l;
    };
    if (pk[i++] !== 0x30) return undefined;
    len();
    if (pk[i++] !== 0x02) return undefined;
    const ml = len();
    i += ml;
    if (pk[i++] !== 0x02) return undefined;
    const l = len();
    let e = 0n;
    for (let k = 0; k < l; k++) e = (e << 8n) | BigInt(pk[i + k]!);
    return e;
  } catch {
    return undefined;
  }
}

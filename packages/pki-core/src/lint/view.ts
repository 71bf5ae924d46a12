/** Derived facts the certificate lints share (typed extensions decoded once, problems recorded). */
import { parseTree } from '../der.js';
import { bytesEqual } from '../bytes.js';
import type { AttributeTypeAndValue } from '../name.js';
import { OID } from '../oids.js';
import type { GeneralName } from '../x509/general-name.js';
import {
  type AuthorityKeyIdentifier,
  type BasicConstraints,
  type KeyUsage,
  type PolicyInformation,
  parseAuthorityKeyIdentifier,
  parseBasicConstraints,
  parseCertificatePolicies,
  parseCrlDistributionPoints,
  parseExtKeyUsage,
  parseGeneralNamesExtension,
  parseInfoAccess,
  parseInhibitAnyPolicy,
  parseKeyUsage,
  parseNameConstraints,
  parseNull,
  parsePolicyConstraints,
  parsePolicyMappings,
  parseSubjectKeyIdentifier,
} from '../x509/extensions.js';
import { type LintCert, type LintExtension, isSharedExtension } from './parse.js';
import type { LintProfile } from './types.js';

const PARSERS: Record<string, (v: Uint8Array) => unknown> = {
  [OID.basicConstraints]: parseBasicConstraints,
  [OID.keyUsage]: parseKeyUsage,
  [OID.extKeyUsage]: parseExtKeyUsage,
  [OID.subjectKeyIdentifier]: parseSubjectKeyIdentifier,
  [OID.authorityKeyIdentifier]: parseAuthorityKeyIdentifier,
  [OID.subjectAltName]: parseGeneralNamesExtension,
  [OID.issuerAltName]: parseGeneralNamesExtension,
  [OID.cRLDistributionPoints]: parseCrlDistributionPoints,
  [OID.freshestCRL]: parseCrlDistributionPoints,
  [OID.authorityInfoAccess]: parseInfoAccess,
  [OID.subjectInfoAccess]: parseInfoAccess,
  [OID.certificatePolicies]: parseCertificatePolicies,
  [OID.policyMappings]: parsePolicyMappings,
  [OID.policyConstraints]: parsePolicyConstraints,
  [OID.inhibitAnyPolicy]: parseInhibitAnyPolicy,
  [OID.nameConstraints]: parseNameConstraints,
  [OID.ocspNoCheck]: parseNull,
};

/** Extensions the linter knows (others, if critical, get `w_rfc5280_ext_unknown_critical`). */
export const LINT_KNOWN_EXTENSIONS: ReadonlySet<string> = new Set([
  ...Object.keys(PARSERS),
  OID.qcStatements,
  '1.3.6.1.4.1.11129.2.4.2', // CT precertificate SCTs
  '1.3.6.1.4.1.311.21.7', // Microsoft certificate template
  '1.3.6.1.4.1.311.21.10', // Microsoft application policies
]);

export interface CertView {
  c: LintCert;
  profile: LintProfile;
  ext(oid: string): LintExtension | undefined;
  /** Extension values that do not decode (oid → message). */
  extProblems: Map<string, string>;
  bc?: BasicConstraints;
  ku?: KeyUsage[];
  eku?: string[];
  ski?: Uint8Array;
  aki?: AuthorityKeyIdentifier;
  san?: GeneralName[];
  policies?: PolicyInformation[];
  isCA: boolean;
  selfIssued: boolean;
  /** Subject attributes in DER order (computed once). */
  subjectAttrs: AttributeTypeAndValue[];
  /** Subject attribute values by type OID (computed once). */
  subjectValues: Map<string, string[]>;
  /** UID values by their upper-cased `PREFIX:` (cert-lints, computed on first use). */
  uidsByPrefix?: Map<string, string[]>;
}

/**
 * Decoded values of the extensions parse.ts reads once and shares (those a CA's issuances repeat
 * byte for byte: AKI, basic constraints, key usage, EKU, CRL distribution points, AIA, policies), so
 * lint before issue decodes each once, not on every issuance; the others (a certificate's own SKI and
 * SAN) decode every time. A shared extension is immutable, so its decoded value (frozen) or the
 * parser's problem message is what decoding it again would give.
 */
interface Decoded {
  decoded?: unknown;
  problem?: string;
}
const decodedShared = new WeakMap<LintExtension, Decoded>();

function freezeDeep(x: unknown): void {
  if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x) || Object.isFrozen(x)) return;
  for (const k of Object.keys(x)) freezeDeep((x as Record<string, unknown>)[k]);
  Object.freeze(x);
}

function decodeValue(e: LintExtension, parse: (v: Uint8Array) => unknown): Decoded {
  const shared = isSharedExtension(e);
  if (shared) {
    const hit = decodedShared.get(e);
    if (hit) return hit;
  }
  const d: Decoded = {};
  try {
    d.decoded = parse(e.value);
    if (shared) freezeDeep(d.decoded);
  } catch (err) {
    d.problem = err instanceof Error ? err.message : String(err);
  }
  if (shared) decodedShared.set(e, d);
  return d;
}

function decode<T>(v: CertView, oid: string): T | undefined {
  const e = v.ext(oid);
  if (!e) return undefined;
  const d = decodeValue(e, PARSERS[oid]!);
  if (d.problem !== undefined) v.extProblems.set(oid, d.problem);
  return d.decoded as T | undefined;
}

const GENERIC = (v: Uint8Array) => {
  parseTree(v);
  return true;
};

/** Subject attributes in DER order (Name.attributes flattens on every call). */
function subjectAttributes(c: LintCert): AttributeTypeAndValue[] {
  const out: AttributeTypeAndValue[] = [];
  for (const rdn of c.subject?.rdns ?? []) for (const a of rdn) out.push(a);
  return out;
}

export function certView(c: LintCert, profile: LintProfile): CertView {
  // The first extension of each OID (duplicates are a lint of their own), looked up by many lints.
  const byOid = new Map<string, LintExtension>();
  for (const e of c.extensions) if (!byOid.has(e.oid)) byOid.set(e.oid, e);
  const v: CertView = {
    c,
    profile,
    ext: (oid) => byOid.get(oid),
    extProblems: new Map(),
    isCA: false,
    selfIssued: false,
    subjectAttrs: subjectAttributes(c),
    subjectValues: new Map(),
  };
  for (const a of v.subjectAttrs) {
    const list = v.subjectValues.get(a.type);
    if (list) list.push(a.value);
    else v.subjectValues.set(a.type, [a.value]);
  }
  for (const e of c.extensions) {
    // Extensions with a typed parser are checked by it (strict DER); the others generically.
    if (PARSERS[e.oid]) continue;
    const d = decodeValue(e, GENERIC);
    if (d.problem !== undefined) v.extProblems.set(e.oid, `extnValue is not DER: ${d.problem}`);
  }
  const set = <K extends keyof CertView>(k: K, oid: string) => {
    const r = decode<CertView[K]>(v, oid);
    if (r !== undefined) v[k] = r;
  };
  set('bc', OID.basicConstraints);
  set('ku', OID.keyUsage);
  set('eku', OID.extKeyUsage);
  set('ski', OID.subjectKeyIdentifier);
  set('aki', OID.authorityKeyIdentifier);
  set('san', OID.subjectAltName);
  set('policies', OID.certificatePolicies);
  const done = new Set<string>([
    OID.basicConstraints,
    OID.keyUsage,
    OID.extKeyUsage,
    OID.subjectKeyIdentifier,
    OID.authorityKeyIdentifier,
    OID.subjectAltName,
    OID.certificatePolicies,
  ]);
  for (const e of c.extensions) if (PARSERS[e.oid] && !done.has(e.oid)) decode(v, e.oid);
  v.isCA = v.bc?.ca === true;
  v.selfIssued = c.issuer !== undefined && c.subject !== undefined && c.issuer.equals(c.subject);
  if (!v.selfIssued && c.issuer && c.subject) v.selfIssued = bytesEqual(c.issuer.der, c.subject.der);
  return v;
}

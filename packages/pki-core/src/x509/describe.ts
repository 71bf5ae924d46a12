/** Human-readable and JSON descriptions of certificates and CSRs (for `kyso cert show`, logs, UIs). */
import { toHex } from '../bytes.js';
import { parseSignatureAlgorithm, signatureAlgorithmName, keySpecName } from '../crypto/algorithms.js';
import { parsePublicKeyInfo } from '../crypto/keys.js';
import type { Name } from '../name.js';
import { attributeShortName } from '../name.js';
import { oidName } from '../oids.js';
import type { Certificate } from './certificate.js';
import { formatGeneralName } from './general-name.js';

/**
 * `describeSignatureAlgorithm`: the readable name of a DER AlgorithmIdentifier, as OpenSSL prints it
 * (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`, `RSASSA-PSS (SHA-256, salt 32)`, `Ed25519`), or
 * `unsupported`. Never throws.
 */
function algName(der: Uint8Array): string {
  try {
    return signatureAlgorithmName(parseSignatureAlgorithm(der));
  } catch {
    return 'unsupported';
  }
}

/**
 * `describePublicKey`: the readable type and size of a DER SubjectPublicKeyInfo (e.g. `RSA-2048`,
 * `EC P-256`), the algorithm OID's name when kyso does not use the key type, or `unparseable`. Never
 * throws.
 */
function keyName(spki: Uint8Array): string {
  try {
    const k = parsePublicKeyInfo(spki);
    return k.spec ? keySpecName(k.spec) : oidName(k.algorithmOid);
  } catch {
    return 'unparseable';
  }
}

const colonHex = (b: Uint8Array) => (toHex(b).match(/../g) ?? []).join(':').toUpperCase();

/** Name attributes, one per line, with Vietnamese identifiers and titles labelled. */
export function describeName(n: Name): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const a of n.attributes) {
    const k = attributeShortName(a.type);
    const prev = out[k];
    out[k] = prev === undefined ? a.value : Array.isArray(prev) ? [...prev, a.value] : [prev, a.value];
  }
  return out;
}

const VN_LABELS: Record<string, string> = {
  CCCD: 'Citizen ID (CCCD)',
  CMND: 'Old ID card (CMND)',
  HC: 'Passport (HC)',
  MST: 'Tax code (MST)',
  MNS: 'Budget unit code (MNS)',
};

/**
 * A certificate described for people and JSON output (`kyso cert show`, logs, UIs): names as RFC 4514
 * strings, times in ISO 8601 UTC, extensions by name, Vietnamese identifiers (UID=CCCD:…, MST:…)
 * labelled.
 */
export interface CertificateSummary {
  /** Subject (RFC 4514 string). */
  subject: string;
  /** Issuer (RFC 4514 string). */
  issuer: string;
  /** Serial number, hex. */
  serialNumber: string;
  /** Validity start, ISO 8601 UTC. */
  notBefore: string;
  /** Validity end, ISO 8601 UTC. */
  notAfter: string;
  /** The certificate's signature algorithm, readable (see `describeSignatureAlgorithm`). */
  signatureAlgorithm: string;
  /** The subject key, readable (see `describePublicKey`). */
  publicKey: string;
  /** T (2.5.4.12) values: the competent person's title. */
  title?: string[];
  /** UID identifiers (CCCD, CMND, HC, MST, MNS) with an English label, e.g. `Tax code (MST)`. */
  vietnameseIdentifiers: { prefix: string; label: string; value: string }[];
  /** basicConstraints cA (RFC 5280 §4.2.1.9). */
  isCA: boolean;
  /** basicConstraints pathLenConstraint, for a CA. */
  pathLenConstraint?: number;
  /** keyUsage bits set, by name. */
  keyUsage?: string[];
  /** extKeyUsage purposes, by name (or OID when unnamed). */
  extKeyUsage?: string[];
  /** subjectAltName entries, formatted (`DNS:…`, `email:…`, `URI:…`, `IP:…`). */
  subjectAltName?: string[];
  /** subjectKeyIdentifier, colon-separated upper-case hex. */
  subjectKeyIdentifier?: string;
  /** authorityKeyIdentifier keyIdentifier, colon-separated upper-case hex. */
  authorityKeyIdentifier?: string;
  /** CRL distribution point URLs. */
  crlDistributionPoints?: string[];
  /** OCSP responder URLs (AIA). */
  ocsp?: string[];
  /** caIssuers URLs (AIA). */
  caIssuers?: string[];
  /** certificatePolicies OIDs, each with its CPS URL when it has one. */
  policies?: string[];
  /** id-pkix-ocsp-nocheck present (a delegated OCSP responder). */
  ocspNoCheck?: boolean;
  /** Every extension, in certificate order. */
  extensions: { oid: string; name: string; critical: boolean }[];
  /** SHA-256 fingerprint of the DER certificate (hex, as `Certificate.fingerprint` gives it). */
  sha256: string;
}

/** Describes `c` (see `CertificateSummary`); `formatCertificateSummary` prints it as text. */
export async function summarizeCertificate(c: Certificate): Promise<CertificateSummary> {
  const s: CertificateSummary = {
    subject: c.subject.toString(),
    issuer: c.issuer.toString(),
    serialNumber: c.serialHex,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    signatureAlgorithm: algName(c.signatureAlgorithm),
    publicKey: keyName(c.spki),
    vietnameseIdentifiers: c.subject.vnIdentifiers.map((i) => ({
      prefix: i.prefix,
      label: VN_LABELS[i.prefix] ?? 'UID',
      value: i.value,
    })),
    isCA: c.isCA,
    extensions: c.extensions.map((e) => ({ oid: e.oid, name: oidName(e.oid), critical: e.critical })),
    sha256: await c.fingerprint('SHA-256'),
  };
  const title = c.subject.get('T');
  if (title.length) s.title = title;
  if (c.basicConstraints?.pathLenConstraint !== undefined)
    s.pathLenConstraint = c.basicConstraints.pathLenConstraint;
  if (c.keyUsage) s.keyUsage = c.keyUsage;
  if (c.extKeyUsage) s.extKeyUsage = c.extKeyUsage.map(oidName);
  if (c.subjectAltName) s.subjectAltName = c.subjectAltName.map(formatGeneralName);
  if (c.subjectKeyIdentifier) s.subjectKeyIdentifier = colonHex(c.subjectKeyIdentifier);
  if (c.authorityKeyIdentifier?.keyIdentifier)
    s.authorityKeyIdentifier = colonHex(c.authorityKeyIdentifier.keyIdentifier);
  if (c.crlDistributionPoints) s.crlDistributionPoints = c.crlUrls;
  if (c.authorityInfoAccess) {
    s.ocsp = c.ocspUrls;
    s.caIssuers = c.caIssuersUrls;
  }
  if (c.certificatePolicies) {
    s.policies = c.certificatePolicies.map((p) => {
      const cps = p.qualifiers?.find((q) => q.cpsUri)?.cpsUri;
      return cps ? `${p.policyIdentifier} (CPS ${cps})` : p.policyIdentifier;
    });
  }
  if (c.ocspNoCheck) s.ocspNoCheck = true;
  return s;
}

/** Multi-line text rendering of a summary. */
export function formatCertificateSummary(s: CertificateSummary): string {
  const lines: string[] = [];
  const kv = (k: string, v: string | undefined) => {
    if (v !== undefined && v !== '') lines.push(`${`${k}:`.padEnd(26)}${v}`);
  };
  kv('Subject', s.subject);
  if (s.title) kv('Title (T)', s.title.join('; '));
  for (const id of s.vietnameseIdentifiers) kv(id.label, id.value);
  kv('Issuer', s.issuer);
  kv('Serial number', s.serialNumber);
  kv('Valid from', s.notBefore);
  kv('Valid until', s.notAfter);
  kv('Public key', s.publicKey);
  kv('Signature algorithm', s.signatureAlgorithm);
  kv(
    'CA',
    s.isCA ? `yes${s.pathLenConstraint !== undefined ? ` (path length ${s.pathLenConstraint})` : ''}` : 'no',
  );
  kv('Key usage', s.keyUsage?.join(', '));
  kv('Extended key usage', s.extKeyUsage?.join(', '));
  kv('Subject alt names', s.subjectAltName?.join(', '));
  kv('Subject key id', s.subjectKeyIdentifier);
  kv('Authority key id', s.authorityKeyIdentifier);
  kv('CRL distribution', s.crlDistributionPoints?.join(', '));
  kv('OCSP', s.ocsp?.join(', '));
  kv('CA issuers', s.caIssuers?.join(', '));
  kv('Policies', s.policies?.join(', '));
  if (s.ocspNoCheck) kv('OCSP no check', 'yes');
  kv(
    'Critical extensions',
    s.extensions
      .filter((e) => e.critical)
      .map((e) => e.name)
      .join(', '),
  );
  kv('SHA-256 fingerprint', s.sha256);
  return `${lines.join('\n')}\n`;
}

export { algName as describeSignatureAlgorithm, keyName as describePublicKey };

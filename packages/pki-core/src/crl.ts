/**
 * Certificate revocation lists (RFC 5280 §5): strict DER parsing into a `Crl` model, issuance of
 * v2 CRLs through a `Signer`, and signature verification.
 *
 * Parsing throws KysoError for malformed or spec-violating CRLs (v1 with extensions, an empty
 * revokedCertificates list, mismatched signature algorithms, bad extension values...). Extensions
 * kyso does not understand are kept; critical ones are listed in `unknownCriticalExtensions` /
 * `unknownCriticalEntryExtensions`, and RFC 5280 §5.2 says such a CRL must not be used to decide
 * any certificate's status: the revocation checker treats it as unusable.
 */
import { bytesEqual, fromHex, toHex } from './bytes.js';
import {
  DerReader,
  Tag,
  bitString,
  ctxTag,
  explicit,
  integer,
  integerFromUnsigned,
  minimalIntegerBytes,
  serialHex,
  seq,
  time as encodeTime,
  tlv,
} from './der.js';
import { KysoError } from './errors.js';
import { Name } from './name.js';
import { OID } from './oids.js';
import { derOrPem, pemEncode } from './pem.js';
import {
  encodeSignatureAlgorithm,
  parseSignatureAlgorithm,
  parseVerifyAlgorithm,
} from './crypto/algorithms.js';
import { keyIdentifier, parsePublicKeyInfo } from './crypto/keys.js';
import type { PublicKeyInfo, SignatureAlgorithm, Signer } from './crypto/types.js';
import { verifySignature } from './crypto/verify.js';
import { Certificate, parseExtensionList, readCertTime } from './x509/certificate.js';
import {
  type AuthorityKeyIdentifier,
  type CrlReason,
  type DistributionPoint,
  type Extension,
  type IssuingDistributionPoint,
  encodeAuthorityKeyIdentifier,
  encodeCrlDistributionPoints,
  encodeCrlNumber,
  encodeCrlReason,
  encodeExtension,
  encodeIssuingDistributionPoint,
  encodeInvalidityDate,
  parseAuthorityKeyIdentifier,
  parseCrlDistributionPoints,
  parseCrlNumber,
  parseCrlReason,
  parseGeneralNamesExtension,
  parseGeneralizedTimeExt,
  parseIssuingDistributionPoint,
} from './x509/extensions.js';
import { type GeneralName, formatGeneralName } from './x509/general-name.js';

/**
 * Largest CRL kyso parses (64 MiB): national CAs publish CRLs of tens of MiB; beyond this the
 * input is treated as hostile. Same cap as the DER reader's.
 */
export const MAX_CRL_SIZE = 64 * 1024 * 1024;
/**
 * Most revoked entries kept from one CRL. A minimal entry is ~20 bytes, so 64 MiB could hold
 * ~3 million; 2 million bounds memory for the lookup map while covering the largest public CRLs.
 */
export const MAX_CRL_ENTRIES = 2_000_000;

/** CRL extensions kyso understands (RFC 5280 §5.2). */
export const KNOWN_CRL_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.authorityKeyIdentifier,
  OID.issuerAltName,
  OID.cRLNumber,
  OID.deltaCRLIndicator,
  OID.issuingDistributionPoint,
  OID.freshestCRL,
  OID.authorityInfoAccess,
]);

/** CRL entry extensions kyso understands (RFC 5280 §5.3). */
export const KNOWN_CRL_ENTRY_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.cRLReason,
  OID.invalidityDate,
  OID.certificateIssuer,
]);

/** One entry of a CRL's revokedCertificates (RFC 5280 §5.1.2.6) with its entry extensions (§5.3). */
export interface RevokedCertificate {
  /** Serial number INTEGER content bytes, exactly as encoded. */
  serialNumber: Uint8Array;
  /** When the certificate was revoked. */
  revocationDate: Date;
  /** reasonCode entry extension (absent means unspecified). */
  reason?: CrlReason;
  /** invalidityDate entry extension (RFC 5280 §5.3.2): when the key is known or suspected compromised. */
  invalidityDate?: Date;
  /**
   * Issuer of the revoked certificate in an indirect CRL: the certificateIssuer extension of this
   * entry or the last preceding one that had it (RFC 5280 §5.3.3). Undefined = the CRL issuer.
   */
  certificateIssuer?: GeneralName[];
  /** Every entry extension, as encoded. */
  extensions: readonly Extension[];
}

/** Lookup key of a serial: its value (minimal encoding), so a non-minimal certificate serial finds its entry. */
function serialKey(serial: Uint8Array): string {
  return toHex(minimalIntegerBytes(serial));
}

function extError(oid: string, err: unknown): unknown {
  if (err instanceof KysoError) {
    return new KysoError(
      err.code,
      `CRL extension ${oid}: ${err.message}`,
      { extension: oid },
      { cause: err },
    );
  }
  return err;
}

/**
 * A certificate revocation list (RFC 5280 §5), parsed strictly from DER or PEM (`X509 CRL`), with its
 * entries indexed by serial for O(1) lookup. Verify its signature with `verifyCrlSignature`; check a
 * certificate with `checkWithCrls` (RFC 5280 §6.3). Parsing throws KysoError `DER_MALFORMED` /
 * `ASN1_SCHEMA` for bad encoding and `INPUT_TOO_LARGE` beyond `MAX_CRL_SIZE` bytes or
 * `MAX_CRL_ENTRIES` entries.
 */
export class Crl {
  /** The whole CRL, DER. */
  readonly der: Uint8Array;
  /** DER of tbsCertList (what the issuer signed). */
  readonly tbs: Uint8Array;
  /** 1 (version absent) or 2. */
  readonly version: 1 | 2;
  /** DER of the outer signatureAlgorithm (byte-equal to tbsCertList.signature, enforced). */
  readonly signatureAlgorithm: Uint8Array;
  /** OID of the signature algorithm. */
  readonly signatureAlgorithmOid: string;
  /** signatureValue BIT STRING content. */
  readonly signatureValue: Uint8Array;
  /** The CRL issuer. */
  readonly issuer: Name;
  /** thisUpdate (RFC 5280 §5.1.2.4): when the CRL was issued. */
  readonly thisUpdate: Date;
  /** nextUpdate (§5.1.2.5): when the next CRL is due; absent in a CRL that will not be updated. */
  readonly nextUpdate?: Date;
  /** Every entry, in CRL order. */
  readonly revoked: readonly RevokedCertificate[];
  /** Every CRL extension, as encoded. */
  readonly extensions: readonly Extension[];

  /** authorityKeyIdentifier (§5.2.1): which issuer key signed the CRL. */
  readonly authorityKeyIdentifier?: AuthorityKeyIdentifier;
  /** cRLNumber (§5.2.3), monotonically increasing per issuer. */
  readonly crlNumber?: bigint;
  /** BaseCRLNumber of a delta CRL (deltaCRLIndicator extension). */
  readonly deltaCrlIndicator?: bigint;
  /**
   * issuingDistributionPoint (§5.2.5): the CRL's scope (a partition, only users/CAs, some reasons, indirect).
   */
  readonly issuingDistributionPoint?: IssuingDistributionPoint;
  /** freshestCRL (§5.2.6): where the delta CRLs are. */
  readonly freshestCrl?: DistributionPoint[];
  /** issuerAltName (§5.2.2). */
  readonly issuerAltName?: GeneralName[];
  /** Critical CRL extensions kyso does not understand (non-empty: the CRL must not be used). */
  readonly unknownCriticalExtensions: readonly string[];
  /** Critical entry extensions kyso does not understand, over all entries. */
  readonly unknownCriticalEntryExtensions: readonly string[];

  readonly #bySerial = new Map<string, RevokedCertificate[]>();

  private constructor(der: Uint8Array) {
    if (der.length > MAX_CRL_SIZE)
      throw new KysoError('INPUT_TOO_LARGE', `CRL larger than ${MAX_CRL_SIZE} bytes`);
    // DerReader.single: trailing bytes after the CertificateList are DER_MALFORMED.
    const topEl = DerReader.single(der, Tag.SEQUENCE);
    const list = new DerReader(topEl.value, topEl.raw.length - topEl.value.length);
    this.der = der;
    const tbsEl = list.read(Tag.SEQUENCE);
    this.tbs = tbsEl.raw;
    const sigAlg = list.read(Tag.SEQUENCE);
    this.signatureAlgorithm = sigAlg.raw;
    const sig = list.readBitString();
    if (sig.unusedBits !== 0) throw new KysoError('CERT_INVALID', 'CRL signatureValue has unused bits');
    this.signatureValue = sig.bytes;
    list.finish('trailing data in CertificateList');

    const t = new DerReader(tbsEl.value, tbsEl.offset + tbsEl.raw.length - tbsEl.value.length);
    let version: 1 | 2 = 1;
    if (t.peekTag() === Tag.INTEGER) {
      const v = t.readInteger();
      // RFC 5280 §5.1.2.1: "if present, MUST be v2". An explicit v1 is not DER-valid either way.
      if (v !== 1n)
        throw new KysoError('CERT_INVALID', `CRL version field must be v2 when present (got ${v})`);
      version = 2;
    }
    this.version = version;
    const tbsSig = t.read(Tag.SEQUENCE);
    if (!bytesEqual(tbsSig.raw, sigAlg.raw)) {
      throw new KysoError('CERT_INVALID', 'CRL signatureAlgorithm differs from tbsCertList.signature');
    }
    this.signatureAlgorithmOid = new DerReader(tbsSig.value).readOid();
    this.issuer = Name.fromDer(t.read(Tag.SEQUENCE));
    if (this.issuer.isEmpty) throw new KysoError('CERT_INVALID', 'CRL issuer name is empty');
    this.thisUpdate = readCertTime(t);
    const nt = t.peekTag();
    if (nt === Tag.UTC_TIME || nt === Tag.GENERALIZED_TIME) this.nextUpdate = readCertTime(t);

    const revoked: RevokedCertificate[] = [];
    const unknownEntryCrit = new Set<string>();
    const revokedList = t.enterOptional(Tag.SEQUENCE);
    if (revokedList) {
      if (revokedList.done) throw new KysoError('CERT_INVALID', 'revokedCertificates present but empty');
      let currentIssuer: GeneralName[] | undefined;
      while (!revokedList.done) {
        if (revoked.length >= MAX_CRL_ENTRIES) {
          throw new KysoError('INPUT_TOO_LARGE', `CRL has more than ${MAX_CRL_ENTRIES} entries`);
        }
        const e = revokedList.enter(Tag.SEQUENCE);
        const serialNumber = e.readIntegerBytes();
        const revocationDate = readCertTime(e);
        const entry: RevokedCertificate = { serialNumber, revocationDate, extensions: [] };
        if (!e.done) {
          if (version === 1) throw new KysoError('CERT_INVALID', 'CRL entry extensions need a v2 CRL');
          const exts = parseExtensionList(e.enter(Tag.SEQUENCE));
          if (exts.length === 0) throw new KysoError('CERT_INVALID', 'empty crlEntryExtensions');
          entry.extensions = exts;
          for (const x of exts) {
            try {
              switch (x.oid) {
                case OID.cRLReason:
                  entry.reason = parseCrlReason(x.value);
                  break;
                case OID.invalidityDate:
                  entry.invalidityDate = parseGeneralizedTimeExt(x.value);
                  break;
                case OID.certificateIssuer:
                  currentIssuer = parseGeneralNamesExtension(x.value);
                  break;
                default:
                  if (x.critical) unknownEntryCrit.add(x.oid);
              }
            } catch (err) {
              throw extError(x.oid, err);
            }
          }
        }
        e.finish('trailing data in CRL entry');
        if (currentIssuer) entry.certificateIssuer = currentIssuer;
        revoked.push(entry);
        const k = serialKey(serialNumber);
        const list = this.#bySerial.get(k);
        if (list) list.push(entry);
        else this.#bySerial.set(k, [entry]);
      }
    }
    this.revoked = revoked;
    this.unknownCriticalEntryExtensions = [...unknownEntryCrit];

    const exts: Extension[] = [];
    const extsWrap = t.enterOptional(ctxTag(0, true));
    if (extsWrap) {
      if (version !== 2) throw new KysoError('CERT_INVALID', 'crlExtensions need a v2 CRL');
      exts.push(...parseExtensionList(extsWrap.enter(Tag.SEQUENCE)));
      extsWrap.finish('trailing data after crlExtensions');
      if (exts.length === 0) throw new KysoError('CERT_INVALID', 'empty crlExtensions');
    }
    t.finish('trailing data in tbsCertList');
    this.extensions = exts;
    const unknownCrit: string[] = [];
    for (const x of exts) {
      try {
        switch (x.oid) {
          case OID.authorityKeyIdentifier:
            this.authorityKeyIdentifier = parseAuthorityKeyIdentifier(x.value);
            break;
          case OID.cRLNumber:
            this.crlNumber = parseCrlNumber(x.value);
            break;
          case OID.deltaCRLIndicator:
            this.deltaCrlIndicator = parseCrlNumber(x.value);
            break;
          case OID.issuingDistributionPoint:
            this.issuingDistributionPoint = parseIssuingDistributionPoint(x.value);
            break;
          case OID.freshestCRL:
            this.freshestCrl = parseCrlDistributionPoints(x.value);
            break;
          case OID.issuerAltName:
            this.issuerAltName = parseGeneralNamesExtension(x.value);
            break;
          case OID.authorityInfoAccess:
            break;
          default:
            if (x.critical) unknownCrit.push(x.oid);
        }
      } catch (err) {
        throw extError(x.oid, err);
      }
    }
    this.unknownCriticalExtensions = unknownCrit;
    // RFC 5280 §5.2.4: a delta CRL must carry a CRL number too; deltaCRLIndicator is critical.
    if (this.deltaCrlIndicator !== undefined && this.crlNumber === undefined) {
      throw new KysoError('CERT_INVALID', 'delta CRL without cRLNumber');
    }
  }

  /** Parses one CRL from DER or PEM ("X509 CRL"). */
  static parse(data: Uint8Array | string): Crl {
    return new Crl(derOrPem(data, 'X509 CRL')[0]!);
  }

  /** Parses one DER CRL. */
  static fromDer(der: Uint8Array): Crl {
    return new Crl(der);
  }

  /** Every CRL in a PEM bundle (or one DER). */
  static parseAll(data: Uint8Array | string): Crl[] {
    return derOrPem(data, 'X509 CRL').map((d) => new Crl(d));
  }

  /** Whether this is a delta CRL (deltaCRLIndicator present, RFC 5280 §5.2.4). */
  get isDelta(): boolean {
    return this.deltaCrlIndicator !== undefined;
  }

  /** True when the CRL has critical (entry) extensions kyso cannot process (RFC 5280 §5.2, §5.3). */
  get hasUnknownCriticalExtensions(): boolean {
    return this.unknownCriticalExtensions.length > 0 || this.unknownCriticalEntryExtensions.length > 0;
  }

  /** Signature algorithm (throws UNSUPPORTED_ALGORITHM / ASN1_SCHEMA for unknown or bad identifiers). */
  get signatureAlgorithmParsed(): SignatureAlgorithm {
    return parseSignatureAlgorithm(this.signatureAlgorithm);
  }

  /**
   * Entries for a serial number (INTEGER content bytes, a bigint, or a certificate). An indirect
   * CRL can list one serial under several certificate issuers; see `RevokedCertificate.certificateIssuer`.
   */
  entriesFor(serial: Uint8Array | bigint | string | Certificate): RevokedCertificate[] {
    return this.#bySerial.get(serialKey(serialBytes(serial))) ?? [];
  }

  /**
   * The entry revoking `serial` in a direct CRL (entries naming another certificate issuer are
   * ignored), or undefined. Map lookup: O(1) whatever the CRL size.
   */
  isRevoked(serial: Uint8Array | bigint | string | Certificate): RevokedCertificate | undefined {
    return this.entriesFor(serial).find((e) => e.certificateIssuer === undefined);
  }

  /** True if thisUpdate <= t and (nextUpdate absent or t <= nextUpdate). */
  isCurrentAt(t: Date): boolean {
    const ms = t.getTime();
    return (
      this.thisUpdate.getTime() <= ms && (this.nextUpdate === undefined || ms <= this.nextUpdate.getTime())
    );
  }

  /** PEM (`X509 CRL`). */
  toPem(): string {
    return pemEncode('X509 CRL', this.der);
  }

  /** A one-line summary (issuer, CRL number, number of entries), for logs. */
  toString(): string {
    return `Crl(issuer=${this.issuer}, number=${this.crlNumber ?? '-'}, entries=${this.revoked.length})`;
  }

  /** A JSON-friendly description (issuer, times, numbers, AKI, IDP, entries), for JSON output. */
  toJSON(): Record<string, unknown> {
    const idp = this.issuingDistributionPoint;
    return {
      version: this.version,
      issuer: this.issuer.toString(),
      thisUpdate: this.thisUpdate.toISOString(),
      nextUpdate: this.nextUpdate?.toISOString() ?? null,
      crlNumber: this.crlNumber?.toString() ?? null,
      deltaCrlIndicator: this.deltaCrlIndicator?.toString() ?? null,
      authorityKeyIdentifier: this.authorityKeyIdentifier?.keyIdentifier
        ? toHex(this.authorityKeyIdentifier.keyIdentifier)
        : null,
      issuingDistributionPoint: idp
        ? {
            fullName: idp.distributionPoint?.fullName?.map(formatGeneralName) ?? null,
            onlyContainsUserCerts: idp.onlyContainsUserCerts,
            onlyContainsCACerts: idp.onlyContainsCACerts,
            onlySomeReasons: idp.onlySomeReasons ?? null,
            indirectCRL: idp.indirectCRL,
          }
        : null,
      unknownCriticalExtensions: [...this.unknownCriticalExtensions, ...this.unknownCriticalEntryExtensions],
      revoked: this.revoked.map((e) => ({
        serialNumber: serialHex(e.serialNumber),
        revocationDate: e.revocationDate.toISOString(),
        reason: e.reason ?? null,
        invalidityDate: e.invalidityDate?.toISOString() ?? null,
        certificateIssuer: e.certificateIssuer?.map(formatGeneralName) ?? null,
      })),
    };
  }
}

function serialBytes(serial: Uint8Array | bigint | Certificate | string): Uint8Array {
  // A certificate's serial by value: its minimal encoding (the certificate may carry 00 05).
  if (serial instanceof Certificate) return minimalIntegerBytes(serial.serialNumber);
  let der: Uint8Array;
  if (serial instanceof Uint8Array) der = tlv(Tag.INTEGER, serial);
  else if (typeof serial === 'bigint') der = integer(serial);
  else {
    if (!/^[0-9a-fA-F:]+$/.test(serial))
      throw new KysoError('INVALID_ARGUMENT', `bad serial number ${serial}`);
    const h = serial.replace(/:/g, '');
    der = integerFromUnsigned(fromHex(h.length % 2 ? `0${h}` : h));
  }
  // Validates minimal two's-complement encoding (DER_MALFORMED otherwise).
  return new DerReader(der).readIntegerBytes();
}

/**
 * Verifies the CRL's signature with the issuer's public key (certificate, SPKI DER or parsed key).
 * False for a wrong signature or an algorithm that does not fit the key; throws UNSUPPORTED_ALGORITHM
 * for algorithms kyso does not verify.
 */
export async function verifyCrlSignature(
  crl: Crl,
  issuer: Certificate | PublicKeyInfo | Uint8Array,
): Promise<boolean> {
  const spki = issuer instanceof Certificate ? issuer.spki : issuer;
  // Verification also accepts legacy DSA (old CRLs, NIST PKITS 4.1.4-4.1.6).
  return verifySignature(spki, parseVerifyAlgorithm(crl.signatureAlgorithm), crl.tbs, crl.signatureValue);
}

// ---------------------------------------------------------------------------------------------
// Issuance
// ---------------------------------------------------------------------------------------------

/** One certificate to list in a CRL issued by `issueCrl`. */
export interface CrlEntryInput {
  /** Serial as INTEGER content bytes, a bigint, an unsigned hex string, or the certificate itself. */
  serial: Uint8Array | bigint | string | Certificate;
  /** When it was revoked. */
  revocationDate: Date;
  /** Omitted or 'unspecified': no reasonCode extension (RFC 5280 §5.3.1 says unspecified SHOULD be absent). */
  reason?: CrlReason;
  /** When the key is known or suspected compromised (invalidityDate entry extension, RFC 5280 §5.3.2). */
  invalidityDate?: Date;
}

/** Options of `issueCrl` (RFC 5280 §5: a v2 CRL). */
export interface IssueCrlOptions {
  /** The CRL issuer's certificate (its subject becomes the CRL issuer, its SKI the AKI). */
  issuer: Certificate;
  /** Holds the issuer's private key. */
  signer: Signer;
  /** thisUpdate: the issue time. */
  thisUpdate: Date;
  /** nextUpdate: when the next CRL will be issued (RFC 5280 §5.1.2.5 requires it); after thisUpdate. */
  nextUpdate: Date;
  /** Monotonically increasing CRL number (RFC 5280 §5.2.3), 0 <= n < 2^159. */
  crlNumber: bigint | number;
  /** The certificates revoked (default none). */
  entries?: readonly CrlEntryInput[];
  /** Makes a delta CRL against the complete CRL with this number (critical deltaCRLIndicator). */
  deltaOf?: bigint | number;
  /** Issuing distribution point (critical extension). */
  idp?: Partial<IssuingDistributionPoint>;
  /** freshestCRL pointers to delta CRLs (only meaningful on complete CRLs). */
  freshestCrl?: readonly DistributionPoint[];
  /** Signature algorithm (default: the signer's preferred one). */
  algorithm?: SignatureAlgorithm;
}

const MAX_CRL_NUMBER = 1n << 159n;

/**
 * Issues a v2 CRL signed by `signer`. Refuses (ISSUANCE_REFUSED) when the issuer certificate has a
 * keyUsage without cRLSign, when the signer's key is not the issuer certificate's key, or when the
 * dates or numbers are inconsistent. Weak algorithms are refused by the signer (WEAK_ALGORITHM).
 */
export async function issueCrl(opts: IssueCrlOptions): Promise<Crl> {
  const { issuer, signer } = opts;
  if (issuer.keyUsage && !issuer.keyUsage.includes('cRLSign')) {
    throw new KysoError('ISSUANCE_REFUSED', `issuer ${issuer.subject} has keyUsage without cRLSign`);
  }
  if (!bytesEqual(parsePublicKeyInfo(signer.publicKey.der).der, issuer.spki)) {
    throw new KysoError('ISSUANCE_REFUSED', "the signer's key is not the issuer certificate's key");
  }
  if (!(opts.nextUpdate.getTime() > opts.thisUpdate.getTime())) {
    throw new KysoError('ISSUANCE_REFUSED', 'nextUpdate must be after thisUpdate');
  }
  const number = BigInt(opts.crlNumber);
  if (number < 0n || number >= MAX_CRL_NUMBER)
    throw new KysoError('INVALID_ARGUMENT', 'CRL number out of range');
  if (opts.deltaOf !== undefined) {
    const base = BigInt(opts.deltaOf);
    if (base < 0n || base >= number) {
      throw new KysoError('INVALID_ARGUMENT', 'delta CRL base number must be below the delta CRL number');
    }
  }
  const alg = opts.algorithm ?? signer.algorithms[0];
  if (!alg) throw new KysoError('INVALID_ARGUMENT', 'signer advertises no algorithm');
  const algId = encodeSignatureAlgorithm(alg);

  const seen = new Set<string>();
  const entries = (opts.entries ?? []).map((e) => {
    const serial = serialBytes(e.serial);
    const k = serialKey(serial);
    if (seen.has(k)) throw new KysoError('INVALID_ARGUMENT', `serial ${serialHex(serial)} listed twice`);
    seen.add(k);
    const exts: Uint8Array[] = [];
    if (e.reason && e.reason !== 'unspecified') {
      if (e.reason === 'removeFromCRL' && opts.deltaOf === undefined) {
        throw new KysoError('INVALID_ARGUMENT', 'removeFromCRL is only valid in a delta CRL');
      }
      exts.push(encodeExtension({ oid: OID.cRLReason, critical: false, value: encodeCrlReason(e.reason) }));
    }
    if (e.invalidityDate) {
      exts.push(
        encodeExtension({
          oid: OID.invalidityDate,
          critical: false,
          value: encodeInvalidityDate(e.invalidityDate),
        }),
      );
    }
    return seq(tlv(Tag.INTEGER, serial), encodeTime(e.revocationDate), exts.length > 0 && seq(...exts));
  });

  const ski = issuer.subjectKeyIdentifier ?? (await keyIdentifier(issuer.spki));
  const crlExts: Uint8Array[] = [
    encodeExtension({
      oid: OID.authorityKeyIdentifier,
      critical: false,
      value: encodeAuthorityKeyIdentifier({ keyIdentifier: ski }),
    }),
    encodeExtension({ oid: OID.cRLNumber, critical: false, value: encodeCrlNumber(number) }),
  ];
  if (opts.deltaOf !== undefined) {
    crlExts.push(
      encodeExtension({
        oid: OID.deltaCRLIndicator,
        critical: true,
        value: encodeCrlNumber(BigInt(opts.deltaOf)),
      }),
    );
  }
  if (opts.idp) {
    crlExts.push(
      encodeExtension({
        oid: OID.issuingDistributionPoint,
        critical: true,
        value: encodeIssuingDistributionPoint(opts.idp),
      }),
    );
  }
  if (opts.freshestCrl) {
    crlExts.push(
      encodeExtension({
        oid: OID.freshestCRL,
        critical: false,
        value: encodeCrlDistributionPoints(opts.freshestCrl),
      }),
    );
  }

  const tbs = seq(
    integer(1),
    algId,
    issuer.subject.der,
    encodeTime(opts.thisUpdate),
    encodeTime(opts.nextUpdate),
    entries.length > 0 && seq(...entries),
    explicit(0, seq(...crlExts)),
  );
  const signature = await signer.sign(tbs, alg);
  const crl = Crl.fromDer(seq(tbs, algId, bitString(signature)));
  return crl;
}

/**
 * OCSP requests (RFC 6960 §4.1) and the RFC 5019 / RFC 6960 Appendix A GET form.
 *
 * CertID hashes may be SHA-1: that is an identifier, not a signature (RFC 5019 §2.1.1 makes SHA-1
 * CertIDs the interoperable default), so it is allowed here. SHA-256/384/512 are accepted too.
 */
import { bytesEqual, fromBase64, randomBytes, toBase64 } from '../bytes.js';
import {
  type DerElement,
  DerReader,
  Tag,
  ctxTag,
  explicit,
  octetString,
  integerBytesEqual,
  schemaError,
  seq,
  tlv,
} from '../der.js';
import { digest, hashAlgorithmIdentifier, hashLength, parseHashAlgorithmIdentifier } from '../crypto/hash.js';
import { parsePublicKeyInfo } from '../crypto/keys.js';
import type { HashAlgorithm } from '../crypto/types.js';
import { KysoError } from '../errors.js';
import { OID } from '../oids.js';
import type { Certificate } from '../x509/certificate.js';
import { parseExtensionList } from '../x509/certificate.js';
import { type Extension, encodeExtension } from '../x509/extensions.js';
import { type GeneralName, encodeGeneralName, parseGeneralName } from '../x509/general-name.js';

/** Largest OCSP request we parse (real ones are a few hundred bytes). */
export const MAX_OCSP_REQUEST_SIZE = 64 * 1024;
/** Most CertIDs in one request we accept (bounds responder work; RFC 5019 clients send one). */
export const MAX_OCSP_REQUESTS = 32;
/** RFC 8954 §2.1: a nonce is 1..32 octets. */
export const MAX_NONCE_LENGTH = 32;

/**
 * An OCSP CertID (RFC 6960 §4.1.1): which certificate a request or response is about, by its
 * issuer's name and key hashes and its serial number.
 */
export interface CertId {
  /** The hash of the issuer name and key hashes (SHA-1 by default: an identifier, RFC 5019 §2.1.1). */
  hashAlgorithm: HashAlgorithm;
  /** Hash of the issuer's DER distinguished name. */
  issuerNameHash: Uint8Array;
  /** Hash of the issuer's public key (the BIT STRING value of its subjectPublicKey). */
  issuerKeyHash: Uint8Array;
  /**
   * Serial number INTEGER content bytes (two's complement), as encoded: a CertID repeats the
   * certificate's serial as the certificate encodes it, so a non-minimal encoding is accepted here
   * too (as in `Certificate.serialNumber`). Compare by value (`integerBytesEqual`).
   */
  serialNumber: Uint8Array;
  /** DER of the CertID. */
  der: Uint8Array;
}

/** CertID for `cert` issued by `issuer` (RFC 6960 §4.1.1): hashes of the issuer's Name and key. */
export async function createCertId(
  cert: Certificate | { serialNumber: Uint8Array },
  issuer: Certificate,
  hash: HashAlgorithm = 'SHA-1',
): Promise<CertId> {
  const issuerNameHash = await digest(hash, issuer.subject.der);
  const issuerKeyHash = await digest(hash, parsePublicKeyInfo(issuer.spki).publicKey);
  const serialNumber = cert.serialNumber;
  return {
    hashAlgorithm: hash,
    issuerNameHash,
    issuerKeyHash,
    serialNumber,
    der: encodeCertId({ hashAlgorithm: hash, issuerNameHash, issuerKeyHash, serialNumber }),
  };
}

/** DER CertID (RFC 6960 §4.1.1) of its fields. */
export function encodeCertId(id: Omit<CertId, 'der'>): Uint8Array {
  return seq(
    // RFC 6960 implementations (OpenSSL) write NULL parameters for the hash; both forms parse.
    hashAlgorithmIdentifier(id.hashAlgorithm, { nullParams: true }),
    octetString(id.issuerNameHash),
    octetString(id.issuerKeyHash),
    tlv(Tag.INTEGER, id.serialNumber),
  );
}

/**
 * Parses a DER CertID strictly; throws KysoError `ASN1_SCHEMA` / `DER_MALFORMED` for bad encoding,
 * `UNSUPPORTED_ALGORITHM` for an unknown hash, and `ASN1_SCHEMA` when a hash has the wrong length.
 */
export function parseCertId(el: DerElement): CertId {
  if (el.tag !== Tag.SEQUENCE) throw schemaError('CertID must be a SEQUENCE');
  const r = new DerReader(el.value, el.offset + el.raw.length - el.value.length);
  const hashAlgorithm = parseHashAlgorithmIdentifier(r.read(Tag.SEQUENCE));
  const issuerNameHash = r.readOctetString();
  const issuerKeyHash = r.readOctetString();
  const serialNumber = r.readSerialNumberBytes();
  r.finish('unexpected data in CertID');
  const n = hashLength(hashAlgorithm);
  if (issuerNameHash.length !== n || issuerKeyHash.length !== n) {
    throw schemaError(`CertID hash lengths do not match ${hashAlgorithm}`);
  }
  return { hashAlgorithm, issuerNameHash, issuerKeyHash, serialNumber, der: el.raw };
}

/** Same issuer hashes, hash algorithm and serial number (compared by value). */
export function certIdsEqual(a: CertId, b: CertId): boolean {
  return (
    a.hashAlgorithm === b.hashAlgorithm &&
    bytesEqual(a.issuerNameHash, b.issuerNameHash) &&
    bytesEqual(a.issuerKeyHash, b.issuerKeyHash) &&
    integerBytesEqual(a.serialNumber, b.serialNumber)
  );
}

/** Whether `id` names `issuer` (name and key hashes recomputed with the CertID's hash). */
export async function certIdMatchesIssuer(id: CertId, issuer: Certificate): Promise<boolean> {
  const nameHash = await digest(id.hashAlgorithm, issuer.subject.der);
  const keyHash = await digest(id.hashAlgorithm, parsePublicKeyInfo(issuer.spki).publicKey);
  return bytesEqual(nameHash, id.issuerNameHash) && bytesEqual(keyHash, id.issuerKeyHash);
}

/**
 * The value of INTEGER content bytes (two's complement, so a leading bit set is negative), e.g. a
 * serial number as encoded.
 */
export function serialToBigInt(serial: Uint8Array): bigint {
  let u = 0n;
  for (const b of serial) u = (u << 8n) | BigInt(b);
  return serial.length && serial[0]! & 0x80 ? u - (1n << BigInt(serial.length * 8)) : u;
}

/** Nonce extension value (RFC 6960 §4.4.1, RFC 8954): extnValue holds an OCTET STRING. */
export function encodeNonceExtension(nonce: Uint8Array): Uint8Array {
  if (nonce.length < 1 || nonce.length > MAX_NONCE_LENGTH) {
    throw new KysoError('INVALID_ARGUMENT', `OCSP nonce must be 1..${MAX_NONCE_LENGTH} bytes (RFC 8954)`);
  }
  return encodeExtension({ oid: OID.ocspNonce, critical: false, value: octetString(nonce) });
}

/**
 * The nonce in a nonce extension value. Strict RFC 6960/8954 form (an OCTET STRING inside
 * extnValue). Returns undefined for the legacy raw form some old clients send, since it cannot be
 * told apart reliably; callers compare raw extnValue bytes for echo checks.
 */
export function parseNonceValue(extnValue: Uint8Array): Uint8Array | undefined {
  try {
    const el = DerReader.single(extnValue, Tag.OCTET_STRING);
    return el.value;
  } catch {
    return undefined;
  }
}

/** One entry of an OCSP requestList (RFC 6960 §4.1.1): a CertID and its singleRequestExtensions. */
export interface SingleRequest {
  /** The certificate asked about. */
  certId: CertId;
  /** singleRequestExtensions. */
  extensions: Extension[];
}

/** A parsed OCSPRequest (RFC 6960 §4.1.1), as a responder receives it. */
export interface OcspRequest {
  /** The whole request, DER. */
  der: Uint8Array;
  /** DER of tbsRequest. */
  tbs: Uint8Array;
  /** Always 1 (v1, encoded as 0). */
  version: number;
  /** requestorName, if given. */
  requestorName?: GeneralName;
  /** The certificates asked about (at least one, at most `MAX_OCSP_REQUESTS`). */
  requests: SingleRequest[];
  /** requestExtensions (e.g. the nonce). */
  extensions: Extension[];
  /** Raw extnValue of the nonce extension, if any. */
  nonceExtensionValue?: Uint8Array;
  /** The nonce octets (strict form), if any. */
  nonce?: Uint8Array;
  /** Whether the request carried an optionalSignature (kyso does not require or check it). */
  signed: boolean;
}

/** Parses a DER OCSPRequest strictly (RFC 6960 §4.1.1). */
export function parseOcspRequest(der: Uint8Array): OcspRequest {
  if (der.length > MAX_OCSP_REQUEST_SIZE) throw new KysoError('INPUT_TOO_LARGE', 'OCSP request too large');
  const top = new DerReader(der);
  const req = top.enter(Tag.SEQUENCE);
  top.finish('trailing data after OCSPRequest');
  const tbsEl = req.read(Tag.SEQUENCE);
  const sig = req.readOptional(ctxTag(0, true));
  req.finish('unexpected data in OCSPRequest');
  if (sig) {
    // Signature ::= SEQUENCE { signatureAlgorithm, signature BIT STRING, certs [0] EXPLICIT ... OPTIONAL }
    const s = new DerReader(sig.value).enter(Tag.SEQUENCE);
    s.read(Tag.SEQUENCE);
    s.readBitString();
    s.readOptional(ctxTag(0, true));
    s.finish('unexpected data in OCSP request signature');
  }

  const t = new DerReader(tbsEl.value, tbsEl.offset + tbsEl.raw.length - tbsEl.value.length);
  const version = 1;
  const v = t.enterOptional(ctxTag(0, true));
  if (v) {
    const n = v.readInteger();
    v.finish();
    if (n === 0n)
      throw new KysoError('DER_MALFORMED', 'OCSP request version v1 must not be encoded (DEFAULT)');
    throw new KysoError('ASN1_SCHEMA', `unsupported OCSP request version ${n + 1n}`);
  }
  let requestorName: GeneralName | undefined;
  const rn = t.enterOptional(ctxTag(1, true));
  if (rn) {
    requestorName = parseGeneralName(rn.read());
    rn.finish();
  }
  const list = t.enter(Tag.SEQUENCE);
  const requests: SingleRequest[] = [];
  while (!list.done) {
    if (requests.length >= MAX_OCSP_REQUESTS)
      throw new KysoError('INPUT_TOO_LARGE', 'too many CertIDs in OCSP request');
    const r = list.enter(Tag.SEQUENCE);
    const certId = parseCertId(r.read(Tag.SEQUENCE));
    let extensions: Extension[] = [];
    const ex = r.enterOptional(ctxTag(0, true));
    if (ex) {
      extensions = parseExtensionList(ex.enter(Tag.SEQUENCE));
      ex.finish();
    }
    r.finish('unexpected data in Request');
    requests.push({ certId, extensions });
  }
  if (requests.length === 0) throw schemaError('OCSP request has an empty requestList');
  let extensions: Extension[] = [];
  const ex = t.enterOptional(ctxTag(2, true));
  if (ex) {
    extensions = parseExtensionList(ex.enter(Tag.SEQUENCE));
    ex.finish();
  }
  t.finish('unexpected data in TBSRequest');

  const out: OcspRequest = {
    der,
    tbs: tbsEl.raw,
    version,
    requests,
    extensions,
    signed: sig !== undefined,
  };
  if (requestorName) out.requestorName = requestorName;
  const nonceExt = extensions.find((e) => e.oid === OID.ocspNonce);
  if (nonceExt) {
    out.nonceExtensionValue = nonceExt.value;
    const n = parseNonceValue(nonceExt.value);
    if (n) out.nonce = n;
  }
  return out;
}

/** Options of `buildOcspRequest`. */
export interface OcspRequestOptions {
  /** CertIDs to ask about (from `createCertId`). */
  certIds: CertId[];
  /** A nonce: bytes to use, `true` for 16 random bytes (RFC 8954 minimum is 1, recommended 32 max). */
  nonce?: Uint8Array | boolean;
  /** requestorName to write (optional; unsigned requests rarely carry it). */
  requestorName?: GeneralName;
  /** Extra request extensions. */
  extensions?: Extension[];
}

/** Builds an unsigned DER OCSPRequest. Returns the DER and the nonce used. */
export function buildOcspRequest(opts: OcspRequestOptions): { der: Uint8Array; nonce?: Uint8Array } {
  if (opts.certIds.length === 0)
    throw new KysoError('INVALID_ARGUMENT', 'an OCSP request needs at least one CertID');
  if (opts.certIds.length > MAX_OCSP_REQUESTS) throw new KysoError('INVALID_ARGUMENT', 'too many CertIDs');
  const nonce =
    opts.nonce === true ? randomBytes(16) : opts.nonce instanceof Uint8Array ? opts.nonce : undefined;
  const exts: Uint8Array[] = [];
  if (nonce) exts.push(encodeNonceExtension(nonce));
  for (const e of opts.extensions ?? []) exts.push(encodeExtension(e));
  const tbs = seq(
    opts.requestorName && explicit(1, encodeGeneralName(opts.requestorName)),
    seq(...opts.certIds.map((id) => seq(id.der))),
    exts.length > 0 && explicit(2, seq(...exts)),
  );
  const der = seq(tbs);
  return nonce ? { der, nonce } : { der };
}

/**
 * GET form (RFC 6960 Appendix A.1, RFC 5019 §5): `{url}/{url-encoding of base64 of DER}`.
 * RFC 5019 limits GET requests to 255 bytes; longer ones should be POSTed (`fitsGet`).
 */
export function ocspGetUrl(baseUrl: string, requestDer: Uint8Array): string {
  const sep = baseUrl.endsWith('/') ? '' : '/';
  return `${baseUrl}${sep}${encodeURIComponent(toBase64(requestDer))}`;
}

/** Whether a request is small enough for the GET form under RFC 5019 §5 (encoded request <= 255 bytes). */
export function fitsGet(requestDer: Uint8Array): boolean {
  return encodeURIComponent(toBase64(requestDer)).length <= 255;
}

/**
 * Decodes the last path segment of a GET request into DER. Accepts percent-encoded base64 (what
 * RFC 5019 specifies) and the unencoded form clients send when '+' and '/' were not escaped
 * ('/' in the base64 then splits the path, so callers should pass everything after the base path).
 */
export function decodeOcspGetPath(encoded: string): Uint8Array {
  let s: string;
  try {
    s = decodeURIComponent(encoded.replace(/^\/+/, ''));
  } catch {
    throw new KysoError('DER_MALFORMED', 'OCSP GET path is not valid percent-encoding');
  }
  if (s.length > (MAX_OCSP_REQUEST_SIZE * 4) / 3 + 4)
    throw new KysoError('INPUT_TOO_LARGE', 'OCSP GET request too large');
  try {
    return fromBase64(s);
  } catch {
    throw new KysoError('DER_MALFORMED', 'OCSP GET path is not base64');
  }
}

/**
 * OCSP responses (RFC 6960 §4.2): OCSPResponse / BasicOCSPResponse parse (strict DER) and build.
 */
import { toHex } from '../bytes.js';
import {
  bitString,
  ctxTag,
  decodeGeneralizedTime,
  decodeNull,
  DerReader,
  enumerated,
  explicit,
  generalizedTime,
  implicit,
  nul,
  octetString,
  oid,
  schemaError,
  seq,
  serialHex,
  Tag,
} from '../der.js';
import {
  encodeSignatureAlgorithm,
  parseSignatureAlgorithm,
  signatureAlgorithmName,
} from '../crypto/algorithms.js';
import { digest } from '../crypto/hash.js';
import { nativeDigest } from '../crypto/native-sign.js';
import { parsePublicKeyInfo } from '../crypto/keys.js';
import type { SignatureAlgorithm, Signer } from '../crypto/types.js';
import { KysoError } from '../errors.js';
import { Name } from '../name.js';
import { OID } from '../oids.js';
import { Certificate, parseExtensionList } from '../x509/certificate.js';
import { CRL_REASONS, type CrlReason, type Extension, encodeExtension } from '../x509/extensions.js';
import { type CertId, parseCertId, parseNonceValue } from './request.js';

/** Largest OCSP response we parse. */
export const MAX_OCSP_RESPONSE_SIZE = 1024 * 1024;
/** Most SingleResponses per response we accept. */
export const MAX_SINGLE_RESPONSES = 1024;
/** Most certificates carried in a BasicOCSPResponse we accept. */
export const MAX_RESPONSE_CERTS = 16;

/** OCSPResponseStatus values of RFC 6960 §4.2.1, indexed by their ENUMERATED value (4 is unused). */
export const OCSP_RESPONSE_STATUSES = [
  'successful',
  'malformedRequest',
  'internalError',
  'tryLater',
  'unused4',
  'sigRequired',
  'unauthorized',
] as const;
/** An OCSPResponse status by name (RFC 6960 §4.2.1). */
export type OcspResponseStatus = Exclude<(typeof OCSP_RESPONSE_STATUSES)[number], 'unused4'>;

/**
 * The status of one certificate in a SingleResponse (RFC 6960 §4.2.1): good, revoked (time, reason) or
 * unknown.
 */
export type CertStatus =
  | { status: 'good' }
  | { status: 'revoked'; revocationTime: Date; reason?: CrlReason }
  | { status: 'unknown' };

/** One SingleResponse (RFC 6960 §4.2.1): CertID, status, thisUpdate/nextUpdate and extensions. */
export interface SingleResponse {
  /** Which certificate this answer is about. */
  certId: CertId;
  /** good, revoked (with time and reason) or unknown (RFC 6960 §4.2.1). */
  certStatus: CertStatus;
  /** When the status was known to be correct. */
  thisUpdate: Date;
  /**
   * When newer information will be available; absent means the responder always has newer information
   * (the verifier then applies its `maxAge`).
   */
  nextUpdate?: Date;
  /** singleExtensions. */
  extensions: Extension[];
}

/** ResponderID (RFC 6960 §4.2.1): the responder by name or by SHA-1 hash of its public key. */
export type ResponderId = { type: 'byName'; name: Name } | { type: 'byKey'; keyHash: Uint8Array };

/** A BasicOCSPResponse (RFC 6960 §4.2.1) as parsed, with the signed bytes kept for verification. */
export interface BasicOcspResponse {
  /** DER of the BasicOCSPResponse. */
  der: Uint8Array;
  /** DER of tbsResponseData (what the responder signed). */
  tbs: Uint8Array;
  /** Always 1 (v1, encoded as 0). */
  version: number;
  /** The responder, by name or by the SHA-1 hash of its key (RFC 6960 §4.2.2.3). */
  responderId: ResponderId;
  /** When the responder signed the response. */
  producedAt: Date;
  /** One answer per certificate asked about. */
  responses: SingleResponse[];
  /** responseExtensions (e.g. the nonce echo). */
  extensions: Extension[];
  /** DER of the signatureAlgorithm AlgorithmIdentifier. */
  signatureAlgorithmDer: Uint8Array;
  /** Parsed algorithm, or undefined when kyso does not support it (verification then fails). */
  signatureAlgorithm?: SignatureAlgorithm;
  /** The signature value (BIT STRING content). */
  signature: Uint8Array;
  /** Certificates the responder included (a delegated responder's certificate and its chain). */
  certs: Certificate[];
  /** Raw extnValue of the nonce extension, if any. */
  nonceExtensionValue?: Uint8Array;
  /** The nonce octets (strict RFC 8954 form), if any. */
  nonce?: Uint8Array;
}

/** An OCSPResponse (RFC 6960 §4.2.1): its status and, when successful, the basic response. */
export interface OcspResponse {
  /** The whole OCSPResponse, DER. */
  der: Uint8Array;
  /** responseStatus (RFC 6960 §4.2.1): `successful`, or why there is no answer (tryLater...). */
  status: OcspResponseStatus;
  /** Present when status is successful and the type is id-pkix-ocsp-basic. */
  basic?: BasicOcspResponse;
}

function readGeneralizedTime(r: DerReader): Date {
  return decodeGeneralizedTime(r.read(Tag.GENERALIZED_TIME));
}

/** Parses a DER OCSPResponse (RFC 6960 §4.2.1). Malformed input throws KysoError. */
export function parseOcspResponse(der: Uint8Array): OcspResponse {
  if (der.length > MAX_OCSP_RESPONSE_SIZE) throw new KysoError('INPUT_TOO_LARGE', 'OCSP response too large');
  const top = new DerReader(der);
  const r = top.enter(Tag.SEQUENCE);
  top.finish('trailing data after OCSPResponse');
  const st = r.read(Tag.ENUMERATED);
  if (st.value.length !== 1) throw schemaError('bad OCSPResponseStatus');
  const n = st.value[0]!;
  const status = OCSP_RESPONSE_STATUSES[n];
  if (status === undefined || status === 'unused4') throw schemaError(`unknown OCSPResponseStatus ${n}`);
  const rb = r.enterOptional(ctxTag(0, true));
  r.finish('unexpected data in OCSPResponse');
  if (status !== 'successful') {
    if (rb) throw schemaError(`OCSP response with status ${status} must not carry responseBytes`);
    return { der, status };
  }
  if (!rb) throw schemaError('successful OCSP response without responseBytes');
  const bytes = rb.enter(Tag.SEQUENCE);
  rb.finish();
  const type = bytes.readOid();
  const response = bytes.readOctetString();
  bytes.finish('unexpected data in ResponseBytes');
  if (type !== OID.ocspBasic) {
    throw new KysoError('UNSUPPORTED_ALGORITHM', `unsupported OCSP response type ${type}`, { oid: type });
  }
  return { der, status, basic: parseBasicOcspResponse(response) };
}

function parseCertStatus(r: DerReader): CertStatus {
  const tag = r.peekTag();
  if (tag === ctxTag(0, false)) {
    decodeNull(r.read());
    return { status: 'good' };
  }
  if (tag === ctxTag(2, false)) {
    decodeNull(r.read());
    return { status: 'unknown' };
  }
  if (tag === ctxTag(1, true)) {
    const ri = r.enter(ctxTag(1, true));
    const revocationTime = readGeneralizedTime(ri);
    const out: CertStatus = { status: 'revoked', revocationTime };
    const rr = ri.enterOptional(ctxTag(0, true));
    if (rr) {
      const el = rr.read(Tag.ENUMERATED);
      rr.finish();
      if (el.value.length !== 1 || el.value[0]! > 10 || el.value[0] === 7) throw schemaError('bad CRLReason');
      out.reason = CRL_REASONS[el.value[0]!] as CrlReason;
    }
    ri.finish('unexpected data in RevokedInfo');
    return out;
  }
  throw schemaError('bad CertStatus');
}

function parseSingleResponse(r: DerReader): SingleResponse {
  const certId = parseCertId(r.read(Tag.SEQUENCE));
  const certStatus = parseCertStatus(r);
  const thisUpdate = readGeneralizedTime(r);
  const out: SingleResponse = { certId, certStatus, thisUpdate, extensions: [] };
  const nu = r.enterOptional(ctxTag(0, true));
  if (nu) {
    out.nextUpdate = readGeneralizedTime(nu);
    nu.finish();
  }
  const ex = r.enterOptional(ctxTag(1, true));
  if (ex) {
    out.extensions = parseExtensionList(ex.enter(Tag.SEQUENCE));
    ex.finish();
  }
  r.finish('unexpected data in SingleResponse');
  return out;
}

/** Parses a DER BasicOCSPResponse. */
export function parseBasicOcspResponse(der: Uint8Array): BasicOcspResponse {
  const top = new DerReader(der);
  const r = top.enter(Tag.SEQUENCE);
  top.finish('trailing data after BasicOCSPResponse');
  const tbsEl = r.read(Tag.SEQUENCE);
  const sigAlgEl = r.read(Tag.SEQUENCE);
  const sigBits = r.readBitString();
  if (sigBits.unusedBits !== 0) throw schemaError('OCSP signature has unused bits');
  const certs: Certificate[] = [];
  const cw = r.enterOptional(ctxTag(0, true));
  if (cw) {
    const list = cw.enter(Tag.SEQUENCE);
    cw.finish();
    while (!list.done) {
      if (certs.length >= MAX_RESPONSE_CERTS)
        throw new KysoError('INPUT_TOO_LARGE', 'too many certificates in OCSP response');
      certs.push(Certificate.fromDer(list.read(Tag.SEQUENCE).raw));
    }
  }
  r.finish('unexpected data in BasicOCSPResponse');

  const t = new DerReader(tbsEl.value, tbsEl.offset + tbsEl.raw.length - tbsEl.value.length);
  const version = 1;
  const v = t.enterOptional(ctxTag(0, true));
  if (v) {
    const n = v.readInteger();
    v.finish();
    if (n === 0n)
      throw new KysoError('DER_MALFORMED', 'ResponseData version v1 must not be encoded (DEFAULT)');
    throw schemaError(`unsupported ResponseData version ${n + 1n}`);
  }
  let responderId: ResponderId;
  const tag = t.peekTag();
  if (tag === ctxTag(1, true)) {
    const w = t.enter(ctxTag(1, true));
    responderId = { type: 'byName', name: Name.fromDer(w.read(Tag.SEQUENCE)) };
    w.finish();
  } else if (tag === ctxTag(2, true)) {
    const w = t.enter(ctxTag(2, true));
    const keyHash = w.readOctetString();
    w.finish();
    if (keyHash.length !== 20) throw schemaError('ResponderID byKey must be a 20-byte SHA-1 hash');
    responderId = { type: 'byKey', keyHash };
  } else throw schemaError('bad ResponderID');
  const producedAt = readGeneralizedTime(t);
  const list = t.enter(Tag.SEQUENCE);
  const responses: SingleResponse[] = [];
  while (!list.done) {
    if (responses.length >= MAX_SINGLE_RESPONSES)
      throw new KysoError('INPUT_TOO_LARGE', 'too many SingleResponses');
    responses.push(parseSingleResponse(list.enter(Tag.SEQUENCE)));
  }
  let extensions: Extension[] = [];
  const ex = t.enterOptional(ctxTag(1, true));
  if (ex) {
    extensions = parseExtensionList(ex.enter(Tag.SEQUENCE));
    ex.finish();
  }
  t.finish('unexpected data in ResponseData');

  let signatureAlgorithm: SignatureAlgorithm | undefined;
  try {
    signatureAlgorithm = parseSignatureAlgorithm(sigAlgEl);
  } catch (e) {
    if (!(e instanceof KysoError) || e.code !== 'UNSUPPORTED_ALGORITHM') throw e;
  }
  const out: BasicOcspResponse = {
    der,
    tbs: tbsEl.raw,
    version,
    responderId,
    producedAt,
    responses,
    extensions,
    signatureAlgorithmDer: sigAlgEl.raw,
    signature: sigBits.bytes,
    certs,
  };
  if (signatureAlgorithm) out.signatureAlgorithm = signatureAlgorithm;
  const nonceExt = extensions.find((e) => e.oid === OID.ocspNonce);
  if (nonceExt) {
    out.nonceExtensionValue = nonceExt.value;
    const nv = parseNonceValue(nonceExt.value);
    if (nv) out.nonce = nv;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------------------------

/** OCSPResponse with an error status and no responseBytes. */
export function buildOcspErrorResponse(status: Exclude<OcspResponseStatus, 'successful'>): Uint8Array {
  return seq(enumerated(OCSP_RESPONSE_STATUSES.indexOf(status)));
}

/** Encodes a CertStatus CHOICE ([0] good, [1] revoked with time and reason, [2] unknown). */
export function encodeCertStatus(s: CertStatus): Uint8Array {
  switch (s.status) {
    case 'good':
      return implicit(0, nul());
    case 'unknown':
      return implicit(2, nul());
    case 'revoked':
      return implicit(
        1,
        seq(
          generalizedTime(s.revocationTime),
          s.reason !== undefined && explicit(0, enumerated(CRL_REASONS.indexOf(s.reason))),
        ),
      );
    default:
      throw new KysoError('INVALID_ARGUMENT', 'bad certificate status');
  }
}

/** A SingleResponse to encode: CertID, status, thisUpdate, optional nextUpdate and extensions. */
export interface SingleResponseInput {
  /** The certificate this answer is about (as the request named it). */
  certId: CertId;
  /** good, revoked (time and reason) or unknown. */
  certStatus: CertStatus;
  /** When the status was known to be correct. */
  thisUpdate: Date;
  /** When newer information will be available (omit for "always newer"). */
  nextUpdate?: Date;
  /** singleExtensions. */
  extensions?: Extension[];
}

/**
 * GeneralizedTime, remembering the last few: a responder puts the same second in producedAt,
 * thisUpdate and (shifted) nextUpdate of every response it makes that second. The result is only
 * ever copied into a larger encoding, never handed out.
 */
let recentTimes: [number, Uint8Array][] = [];
function time(d: Date): Uint8Array {
  const t = d.getTime();
  for (const [k, v] of recentTimes) if (k === t) return v;
  const v = generalizedTime(d);
  recentTimes = [[t, v], ...recentTimes.slice(0, 3)];
  return v;
}

/**
 * Encodes one SingleResponse (GeneralizedTime in whole seconds); an unknown revocation reason is refused.
 */
export function encodeSingleResponse(s: SingleResponseInput): Uint8Array {
  if (
    s.certStatus.status === 'revoked' &&
    s.certStatus.reason !== undefined &&
    !CRL_REASONS.includes(s.certStatus.reason)
  ) {
    throw new KysoError('INVALID_ARGUMENT', `bad revocation reason ${String(s.certStatus.reason)}`);
  }
  return seq(
    s.certId.der,
    encodeCertStatus(s.certStatus),
    time(s.thisUpdate),
    s.nextUpdate && explicit(0, time(s.nextUpdate)),
    s.extensions && s.extensions.length > 0 && explicit(1, seq(...s.extensions.map(encodeExtension))),
  );
}

/**
 * Input of buildOcspResponse: signer, responder ID form, producedAt, the responses, extensions and
 * certificates.
 */
export interface BasicOcspResponseInput {
  /** Signs tbsResponseData; must not use SHA-1 (refused with WEAK_ALGORITHM). */
  signer: Signer;
  /** Algorithm to sign with (default: the signer's preferred one). */
  algorithm?: SignatureAlgorithm;
  /** How the response names the responder (RFC 6960 §4.2.2.3 ResponderID). */
  responderIdType?: 'byName' | 'byKey';
  /** The responder's certificate (needed for byName; default: the signer's first chain certificate). */
  responderCertificate?: Certificate;
  /** When the response is signed. */
  producedAt: Date;
  /** One answer per certificate asked about. */
  responses: SingleResponseInput[];
  /** Response extensions (e.g. the nonce echo). */
  extensions?: Extension[];
  /** Certificates to include in `certs` (e.g. the delegated responder's certificate). */
  certs?: Certificate[];
}

/** Builds and signs a BasicOCSPResponse wrapped in a successful OCSPResponse. */
export async function buildOcspResponse(input: BasicOcspResponseInput): Promise<Uint8Array> {
  const basic = await buildBasicOcspResponse(input);
  return wrapBasicOcspResponse(basic);
}

/** Builds and signs a BasicOCSPResponse (the DER, not wrapped in an OCSPResponse). */
export async function buildBasicOcspResponse(input: BasicOcspResponseInput): Promise<Uint8Array> {
  return signBasicOcspResponse(
    await ocspSigningParts(input),
    input.producedAt,
    input.responses,
    input.extensions,
  );
}

const OCSP_BASIC_OID = oid(OID.ocspBasic);

/** A successful OCSPResponse around a BasicOCSPResponse. */
export function wrapBasicOcspResponse(basic: Uint8Array): Uint8Array {
  return seq(enumerated(0), explicit(0, seq(OCSP_BASIC_OID, octetString(basic))));
}

/**
 * What stays the same in every BasicOCSPResponse of one responder, encoded once (the OCSP
 * responder keeps it, so a response costs no ResponderID hash and no re-encoding).
 */
export interface OcspSigningParts {
  /** Signs the responses. */
  readonly signer: Signer;
  /** The signature algorithm. */
  readonly algorithm: SignatureAlgorithm;
  /** ResponderID (byName [1] or byKey [2]), DER. */
  readonly responderIdDer: Uint8Array;
  /** signatureAlgorithm AlgorithmIdentifier, DER. */
  readonly signatureAlgorithmDer: Uint8Array;
  /** certs [0] EXPLICIT SEQUENCE OF Certificate, DER, when there are certificates to include. */
  readonly certsDer: Uint8Array | undefined;
}

/** Checks the algorithm (no SHA-1) and encodes the constant parts of a responder's responses. */
export async function ocspSigningParts(
  input: Pick<
    BasicOcspResponseInput,
    'signer' | 'algorithm' | 'responderIdType' | 'responderCertificate' | 'certs'
  >,
): Promise<OcspSigningParts> {
  const alg = input.algorithm ?? input.signer.algorithms[0];
  if (!alg) throw new KysoError('INVALID_ARGUMENT', 'signer advertises no algorithm');
  if (alg.name !== 'Ed25519' && alg.hash === 'SHA-1') {
    throw new KysoError('WEAK_ALGORITHM', 'refusing to sign an OCSP response with SHA-1');
  }
  const algDer = encodeSignatureAlgorithm(alg);
  let rid: Uint8Array;
  if ((input.responderIdType ?? 'byKey') === 'byName') {
    const cert =
      input.responderCertificate ??
      (input.signer.certificateChain[0] ? Certificate.fromDer(input.signer.certificateChain[0]) : undefined);
    if (!cert) throw new KysoError('INVALID_ARGUMENT', 'ResponderID byName needs the responder certificate');
    rid = explicit(1, cert.subject.der);
  } else {
    const pk = input.signer.publicKey.publicKey;
    rid = explicit(2, octetString(nativeDigest('SHA-1', pk) ?? (await digest('SHA-1', pk))));
  }
  return {
    signer: input.signer,
    algorithm: alg,
    responderIdDer: rid,
    signatureAlgorithmDer: algDer,
    certsDer:
      input.certs && input.certs.length > 0 ? explicit(0, seq(...input.certs.map((c) => c.der))) : undefined,
  };
}

/**
 * Encodes tbsResponseData and signs it: synchronously (a Uint8Array, no promise) when the signer
 * can (`signSync`: a LocalSigner on Node), else through `signer.sign` (a promise).
 */
export function signBasicOcspResponse(
  parts: OcspSigningParts,
  producedAt: Date,
  responses: SingleResponseInput[],
  extensions?: Extension[],
): Uint8Array | Promise<Uint8Array> {
  if (responses.length === 0) throw new KysoError('INVALID_ARGUMENT', 'a response needs a SingleResponse');
  const tbs = seq(
    parts.responderIdDer,
    time(producedAt),
    seq(...responses.map(encodeSingleResponse)),
    extensions && extensions.length > 0 && explicit(1, seq(...extensions.map(encodeExtension))),
  );
  const assemble = (signature: Uint8Array) =>
    seq(tbs, parts.signatureAlgorithmDer, bitString(signature), parts.certsDer);
  const fast = parts.signer.signSync?.(tbs, parts.algorithm);
  return fast ? assemble(fast) : parts.signer.sign(tbs, parts.algorithm).then(assemble);
}

/** Human summary of a BasicOCSPResponse (for the CLI and logs). */
export function describeBasicOcspResponse(b: BasicOcspResponse): Record<string, unknown> {
  return {
    responderId:
      b.responderId.type === 'byName'
        ? { byName: b.responderId.name.toString() }
        : { byKey: toHex(b.responderId.keyHash) },
    producedAt: b.producedAt.toISOString(),
    signatureAlgorithm: b.signatureAlgorithm ? signatureAlgorithmName(b.signatureAlgorithm) : 'unsupported',
    nonce: b.nonce ? toHex(b.nonce) : undefined,
    certs: b.certs.map((c) => c.subject.toString()),
    responses: b.responses.map((s) => ({
      serial: serialHex(s.certId.serialNumber),
      hashAlgorithm: s.certId.hashAlgorithm,
      status: s.certStatus.status,
      revocationTime:
        s.certStatus.status === 'revoked' ? s.certStatus.revocationTime.toISOString() : undefined,
      reason: s.certStatus.status === 'revoked' ? s.certStatus.reason : undefined,
      thisUpdate: s.thisUpdate.toISOString(),
      nextUpdate: s.nextUpdate?.toISOString(),
    })),
  };
}

/** SHA-1 of the responder key (ResponderID byKey), for matching. */
export async function responderKeyHash(cert: Certificate): Promise<Uint8Array> {
  return digest('SHA-1', parsePublicKeyInfo(cert.spki).publicKey);
}

/**
 * RFC 3161 TimeStampResp (§2.4.2), PKIStatusInfo (RFC 4210 §5.2.3) and TSTInfo: build and strict
 * DER parse. The token itself is CMS SignedData (src/cms/signed-data.ts).
 */
import {
  DerReader,
  Tag,
  bitStringToFlags,
  bool,
  contextPrimitive,
  ctxTag,
  decodeGeneralizedTime,
  decodeString,
  explicit,
  flagsToBitString,
  generalizedTime,
  implicit,
  integer,
  oid,
  schemaError,
  seq,
  utf8String,
} from '../der.js';
import { normalizeBer } from '../cms/ber.js';
import { type SignedData, parseSignedDataContentInfo } from '../cms/signed-data.js';
import { KysoError } from '../errors.js';
import { OID } from '../oids.js';
import { parseExtensionList } from '../x509/certificate.js';
import { type Extension, encodeExtension } from '../x509/extensions.js';
import { type GeneralName, encodeGeneralName, parseGeneralName } from '../x509/general-name.js';
import { type MessageImprint, parseMessageImprint, readNonce } from './request.js';

/** Largest TimeStampResp / token we parse. */
export const MAX_TSP_RESPONSE_SIZE = 1024 * 1024;
/** Most statusString entries we accept. */
export const MAX_STATUS_STRINGS = 16;

/**
 * PKIStatus values in their encoded order (RFC 3161 §2.4.2, RFC 4210 §5.2.3): the index is the
 * INTEGER on the wire.
 */
export const PKI_STATUSES = [
  'granted',
  'grantedWithMods',
  'rejection',
  'waiting',
  'revocationWarning',
  'revocationNotification',
] as const;
/** A PKIStatus (RFC 3161 §2.4.2): `granted` / `grantedWithMods` come with a token; the others without. */
export type PkiStatus = (typeof PKI_STATUSES)[number];

/** PKIFailureInfo bits used by RFC 3161 (§2.4.2). */
export const PKI_FAILURE_BITS = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  timeNotAvailable: 14,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  addInfoNotAvailable: 17,
  systemFailure: 25,
} as const;
/** A named PKIFailureInfo bit (RFC 3161 §2.4.2), e.g. `badAlg`, `timeNotAvailable`, `systemFailure`. */
export type PkiFailureInfo = keyof typeof PKI_FAILURE_BITS;

/** A PKIStatusInfo (RFC 3161 §2.4.2): the status, optional free-text reasons and failure bits. */
export interface PkiStatusInfo {
  /** The status: granted / grantedWithMods come with a token. */
  status: PkiStatus;
  /** PKIFreeText: the TSA's explanation, in its own words (at most `MAX_STATUS_STRINGS`). */
  statusString?: string[];
  /** Failure bits set, by name (a bit RFC 3161 does not name stays a number). */
  failInfo?: (PkiFailureInfo | number)[];
}

/** TSTInfo accuracy (RFC 3161 §2.4.2): genTime ± seconds + millis + micros (millis and micros 1..999). */
export interface Accuracy {
  /** Whole seconds. */
  seconds?: number;
  /** Milliseconds, 1..999. */
  millis?: number;
  /** Microseconds, 1..999. */
  micros?: number;
}

/**
 * A parsed TSTInfo (RFC 3161 §2.4.2): what the TSA asserts (this imprint existed at genTime under
 * this policy).
 */
export interface TstInfo {
  /** The TSTInfo, DER (the token's signed content). */
  der: Uint8Array;
  /** Always 1. */
  version: number;
  /** The TSA policy OID under which the token was issued. */
  policy: string;
  /** Hash algorithm and hash of the time-stamped data. */
  messageImprint: MessageImprint;
  /** Serial as INTEGER content bytes. */
  serialNumber: Uint8Array;
  /** The serial as a bigint (unique per TSA, up to 160 bits). */
  serial: bigint;
  /** The time the token was created (UTC, millisecond precision; see `genTimeString` for more digits). */
  genTime: Date;
  /** genTime as encoded (keeps sub-millisecond digits). */
  genTimeString: string;
  /** The accuracy the TSA claims for genTime, if any. */
  accuracy?: Accuracy;
  /** Whether tokens of this TSA can be ordered by genTime alone (RFC 3161 §2.4.2 ordering). */
  ordering: boolean;
  /** The request's nonce, echoed. */
  nonce?: bigint;
  /** The TSA's name, when given (it should match a name of the signing certificate). */
  tsa?: GeneralName;
  /** TSTInfo extensions. */
  extensions: Extension[];
}

/** A parsed TimeStampResp (RFC 3161 §2.4.2): the status and, when granted, the token (not verified). */
export interface TimeStampResp {
  /** The whole response, DER. */
  der: Uint8Array;
  /** The TSA's answer. */
  status: PkiStatusInfo;
  /** DER of the TimeStampToken (ContentInfo) when granted. */
  token?: Uint8Array;
}

function encodeStatusInfo(s: PkiStatusInfo): Uint8Array {
  const bits = (s.failInfo ?? []).map((f) => (typeof f === 'number' ? f : PKI_FAILURE_BITS[f]));
  return seq(
    integer(PKI_STATUSES.indexOf(s.status)),
    s.statusString && s.statusString.length > 0 && seq(...s.statusString.map(utf8String)),
    bits.length > 0 && flagsToBitString(bits),
  );
}

/**
 * Reads a PKIStatusInfo (RFC 3161 §2.4.2) from `r`. Throws KysoError `ASN1_SCHEMA` for an unknown
 * status or an empty statusString, `DER_MALFORMED` for one that is not UTF-8, `INPUT_TOO_LARGE`
 * beyond `MAX_STATUS_STRINGS`.
 */
export function parseStatusInfo(r: DerReader): PkiStatusInfo {
  const n = r.readSmallInteger();
  const status = PKI_STATUSES[n];
  if (status === undefined) throw schemaError(`unknown PKIStatus ${n}`);
  const out: PkiStatusInfo = { status };
  if (r.peekTag() === Tag.SEQUENCE) {
    const ss = r.enter(Tag.SEQUENCE);
    out.statusString = [];
    while (!ss.done) {
      if (out.statusString.length >= MAX_STATUS_STRINGS)
        throw new KysoError('INPUT_TOO_LARGE', 'too many status strings');
      const el = ss.read(Tag.UTF8_STRING);
      try {
        out.statusString.push(decodeString(el));
      } catch (e) {
        if (e instanceof KysoError) throw e;
        throw new KysoError('DER_MALFORMED', 'statusString is not valid UTF-8');
      }
    }
    if (out.statusString.length === 0) throw schemaError('empty PKIFreeText');
  }
  if (r.peekTag() === Tag.BIT_STRING) {
    const flags = bitStringToFlags(r.readBitString());
    const names = new Map<number, PkiFailureInfo>(
      Object.entries(PKI_FAILURE_BITS).map(([k, v]): [number, PkiFailureInfo] => [v, k as PkiFailureInfo]),
    );
    out.failInfo = flags.map((b) => names.get(b) ?? b);
  }
  r.finish('unexpected data in PKIStatusInfo');
  return out;
}

/** Parses a DER TimeStampResp. The token (if any) is returned as DER, not verified. */
export function parseTimeStampResp(der: Uint8Array): TimeStampResp {
  if (der.length > MAX_TSP_RESPONSE_SIZE) throw new KysoError('INPUT_TOO_LARGE', 'TimeStampResp too large');
  const top = new DerReader(der);
  const r = top.enter(Tag.SEQUENCE);
  top.finish('trailing data after TimeStampResp');
  const status = parseStatusInfo(r.enter(Tag.SEQUENCE));
  const tok = r.readOptional(Tag.SEQUENCE);
  r.finish('unexpected data in TimeStampResp');
  const out: TimeStampResp = { der, status };
  const granted = status.status === 'granted' || status.status === 'grantedWithMods';
  if (granted && !tok) throw schemaError('granted TimeStampResp without a timeStampToken');
  if (!granted && tok) throw schemaError(`TimeStampResp with status ${status.status} must not carry a token`);
  if (tok) out.token = tok.raw;
  return out;
}

/** TimeStampResp with a granted status and a token. */
export function encodeGrantedResponse(token: Uint8Array): Uint8Array {
  return seq(encodeStatusInfo({ status: 'granted' }), token);
}

/** TimeStampResp rejecting the request. */
export function encodeRejection(failInfo: PkiFailureInfo, statusString?: string): Uint8Array {
  return seq(
    encodeStatusInfo({
      status: 'rejection',
      failInfo: [failInfo],
      ...(statusString ? { statusString: [statusString] } : {}),
    }),
  );
}

function parseAccuracy(r: DerReader): Accuracy {
  const a: Accuracy = {};
  if (r.peekTag() === Tag.INTEGER) a.seconds = r.readSmallInteger();
  const ms = r.readOptional(ctxTag(0, false));
  if (ms) a.millis = new DerReader(Uint8Array.of(Tag.INTEGER, ...ms.raw.subarray(1))).readSmallInteger();
  const us = r.readOptional(ctxTag(1, false));
  if (us) a.micros = new DerReader(Uint8Array.of(Tag.INTEGER, ...us.raw.subarray(1))).readSmallInteger();
  r.finish('unexpected data in Accuracy');
  if (a.seconds !== undefined && a.seconds < 0) throw schemaError('negative accuracy seconds');
  for (const v of [a.millis, a.micros])
    if (v !== undefined && (v < 1 || v > 999)) throw schemaError('accuracy millis/micros out of 1..999');
  return a;
}

function encodeAccuracy(a: Accuracy): Uint8Array {
  const sub = (n: number, v: number) => {
    if (!Number.isInteger(v) || v < 1 || v > 999)
      throw new KysoError('INVALID_ARGUMENT', 'accuracy millis/micros must be 1..999');
    return contextPrimitive(n, integer(v).subarray(2));
  };
  return seq(
    a.seconds !== undefined && a.seconds > 0 && integer(a.seconds),
    a.millis !== undefined && sub(0, a.millis),
    a.micros !== undefined && sub(1, a.micros),
  );
}

/** Parses a DER TSTInfo (RFC 3161 §2.4.2) strictly. */
export function parseTstInfo(der: Uint8Array): TstInfo {
  const top = new DerReader(der);
  const r = top.enter(Tag.SEQUENCE);
  top.finish('trailing data after TSTInfo');
  const version = r.readSmallInteger();
  if (version !== 1) throw schemaError(`unsupported TSTInfo version ${version}`);
  const policy = r.readOid();
  const messageImprint = parseMessageImprint(r.read(Tag.SEQUENCE));
  const serialEl = r.read(Tag.INTEGER);
  const serial = new DerReader(serialEl.raw).readInteger();
  if (serialEl.value.length > 21)
    throw new KysoError('INPUT_TOO_LARGE', 'TSTInfo serial longer than 160 bits');
  const gt = r.read(Tag.GENERALIZED_TIME);
  const genTime = decodeGeneralizedTime(gt);
  const out: TstInfo = {
    der,
    version,
    policy,
    messageImprint,
    serialNumber: serialEl.value,
    serial,
    genTime,
    genTimeString: new TextDecoder().decode(gt.value),
    ordering: false,
    extensions: [],
  };
  const acc = r.enterOptional(Tag.SEQUENCE);
  if (acc) out.accuracy = parseAccuracy(acc);
  if (r.peekTag() === Tag.BOOLEAN) {
    out.ordering = r.readBoolean();
    if (!out.ordering)
      throw new KysoError('DER_MALFORMED', 'ordering FALSE must be omitted in DER (DEFAULT)');
  }
  if (r.peekTag() === Tag.INTEGER) out.nonce = readNonce(r);
  const tsa = r.enterOptional(ctxTag(0, true));
  if (tsa) {
    out.tsa = parseGeneralName(tsa.read());
    tsa.finish('unexpected data in TSTInfo tsa');
  }
  const ex = r.readOptional(ctxTag(1, true));
  if (ex) {
    out.extensions = parseExtensionList(new DerReader(ex.value, ex.offset + ex.raw.length - ex.value.length));
    if (out.extensions.length === 0) throw schemaError('empty TSTInfo extensions');
  }
  r.finish('unexpected data in TSTInfo');
  return out;
}

/** What a TSA puts in a TSTInfo (`encodeTstInfo`). */
export interface TstInfoInput {
  /** The TSA policy OID. */
  policy: string;
  /** The request's MessageImprint, DER, copied as received. */
  messageImprintDer: Uint8Array;
  /** The token serial: non-negative, unique per TSA, at most 160 bits. */
  serial: bigint;
  /** The time asserted (written with millisecond precision). */
  genTime: Date;
  /** The accuracy to claim (RFC 3161 §2.4.2), if any. */
  accuracy?: Accuracy;
  /** Set the ordering flag (default false). */
  ordering?: boolean;
  /** The request's nonce, to echo. */
  nonce?: bigint;
  /** The TSA's name. */
  tsa?: GeneralName;
  /** TSTInfo extensions. */
  extensions?: Extension[];
}

/**
 * DER TSTInfo (RFC 3161 §2.4.2), version 1, genTime in DER GeneralizedTime with milliseconds.
 * Throws KysoError `INVALID_ARGUMENT` for a negative serial or one over 160 bits.
 */
export function encodeTstInfo(t: TstInfoInput): Uint8Array {
  if (t.serial < 0n) throw new KysoError('INVALID_ARGUMENT', 'TSTInfo serial must be non-negative');
  if (t.serial >= 1n << 160n)
    throw new KysoError('INVALID_ARGUMENT', 'TSTInfo serial must fit 160 bits (RFC 3161 §2.4.2)');
  const acc = t.accuracy && encodeAccuracy(t.accuracy);
  return seq(
    integer(1),
    oid(t.policy),
    t.messageImprintDer,
    integer(t.serial),
    // Millisecond precision; DER drops trailing zeros of the fraction (X.690 §11.7).
    generalizedTime(t.genTime, true),
    acc && acc.length > 2 && acc,
    t.ordering === true && bool(true),
    t.nonce !== undefined && integer(t.nonce),
    t.tsa && explicit(0, encodeGeneralName(t.tsa)),
    t.extensions && t.extensions.length > 0 && implicit(1, seq(...t.extensions.map(encodeExtension))),
  );
}

/**
 * Parses a time-stamp token (ContentInfo SignedData over a TSTInfo, exactly one SignerInfo): the one
 * token parser, used by the RFC 3161 verifier, the CMS/PAdES verifiers and the evidence records.
 * BER transfer encoding is normalised first.
 */
export function parseTimeStampToken(token: Uint8Array): {
  signedData: SignedData;
  tstInfo: TstInfo;
  der: Uint8Array;
} {
  let der = token;
  let sd: SignedData;
  try {
    sd = parseSignedDataContentInfo(der);
  } catch (e) {
    if (!(e instanceof KysoError) || e.code !== 'DER_MALFORMED') throw e;
    der = normalizeBer(token);
    sd = parseSignedDataContentInfo(der);
  }
  if (sd.eContentType !== OID.tstInfo) {
    throw new KysoError(
      'ASN1_SCHEMA',
      `time-stamp token eContentType is ${sd.eContentType}, not id-ct-TSTInfo`,
    );
  }
  if (!sd.eContent) throw new KysoError('ASN1_SCHEMA', 'time-stamp token without TSTInfo content');
  if (sd.signerInfos.length !== 1) {
    throw new KysoError(
      'ASN1_SCHEMA',
      `time-stamp token must have exactly one SignerInfo (has ${sd.signerInfos.length})`,
    );
  }
  return { signedData: sd, tstInfo: parseTstInfo(sd.eContent), der };
}

/**
 * RFC 5544 TimeStampedData: parsing and verification (time-stamp token evidence only).
 *
 * ContentInfo { id-ct-timestampedData (1.2.840.113549.1.9.16.1.31), [0] TimeStampedData }
 * TimeStampedData ::= SEQUENCE { version INTEGER { v1(1) }, dataUri IA5String OPTIONAL,
 *   metaData MetaData OPTIONAL, content OCTET STRING OPTIONAL, temporalEvidence Evidence }
 * MetaData ::= SEQUENCE { hashProtected BOOLEAN, fileName UTF8String OPTIONAL,
 *   mediaType IA5String OPTIONAL, otherMetaData Attributes OPTIONAL }
 * Evidence ::= CHOICE { tstEvidence [0] TimeStampTokenEvidence, ersEvidence [1] EvidenceRecord,
 *   otherEvidence [2] OtherEvidence }
 * TimeStampTokenEvidence ::= SEQUENCE SIZE(1..MAX) OF TimeStampAndCRL
 * TimeStampAndCRL ::= SEQUENCE { timeStamp TimeStampToken, crl CertificateList OPTIONAL }
 *
 * What each token covers (RFC 5544 §3-4): the first, the data content, preceded by the DER
 * MetaData when hashProtected is TRUE; each later one (renewal), the DER encoding of the
 * previous TimeStampAndCRL. BER transfer encoding is normalised first (cms/ber.ts).
 * Evidence other than tstEvidence is reported as indeterminate, not verified.
 */
import { bytesEqual, concatBytes } from '../bytes.js';
import { normalizeBer } from '../cms/ber.js';
import {
  DerReader,
  Tag,
  decodeBoolean,
  decodeInteger,
  decodeOid,
  decodeString,
  schemaError,
} from '../der.js';
import { KysoError } from '../errors.js';
import type { CheckStatus } from '../verdict/indication.js';
import type { HashAlgorithm } from '../crypto/types.js';
import { type TimeStampVerifyOptions, type TspCheck, verifyTimeStampToken } from '../tsp/verify.js';

/** id-ct-timestampedData (RFC 5544 §2). */
export const OID_CT_TIMESTAMPED_DATA = '1.2.840.113549.1.9.16.1.31';
/** Size cap for a TimeStampedData (the content is inside). */
export const MAX_TSD_SIZE = 64 * 1024 * 1024;
/** Cap on TimeStampAndCRL entries. */
export const MAX_TSD_TIMESTAMPS = 256;

/**
 * TimeStampedData (RFC 5544 §2) as parsed: optional URI and metadata, the content and the temporal evidence.
 */
export interface TimeStampedData {
  /** The TimeStampedData version (1, RFC 5544 §2). */
  version: number;
  /** dataUri: where the data is, when it is not embedded. */
  dataUri?: string;
  /** metaData: file name and media type, and whether they are covered by the time-stamp (hashProtected). */
  metaData?: { hashProtected: boolean; fileName?: string; mediaType?: string; der: Uint8Array };
  /** The embedded content, when present. */
  content?: Uint8Array;
  /** The kind of temporal evidence: RFC 3161 tokens (`tst`), an evidence record (`ers`) or another kind. */
  evidence: 'tst' | 'ers' | 'other';
  /** tstEvidence: each TimeStampAndCRL (DER), its token and optional CRL. */
  timeStamps: { der: Uint8Array; token: Uint8Array; crl?: Uint8Array }[];
}

/** Parses a TimeStampedData, wrapped in its ContentInfo or bare (BER or DER). */
export function parseTimeStampedData(input: Uint8Array): TimeStampedData {
  if (input.length > MAX_TSD_SIZE)
    throw new KysoError('INPUT_TOO_LARGE', `TimeStampedData exceeds ${MAX_TSD_SIZE} bytes`);
  const der = normalizeBer(input);
  let r = new DerReader(DerReader.single(der).value);
  if (r.peekTag() === Tag.OID) {
    const ct = decodeOid(r.read(Tag.OID));
    if (ct !== OID_CT_TIMESTAMPED_DATA) throw schemaError(`content type ${ct} is not id-ct-timestampedData`);
    const inner = new DerReader(r.read(0xa0).value);
    const tsd = inner.read(Tag.SEQUENCE);
    inner.finish('trailing data in ContentInfo [0]');
    r.finish('trailing data in ContentInfo');
    r = new DerReader(tsd.value);
  }
  const version = Number(decodeInteger(r.read(Tag.INTEGER)));
  if (version !== 1) throw schemaError(`TimeStampedData version ${version}, expected 1`);
  const out: TimeStampedData = { version, evidence: 'tst', timeStamps: [] };
  if (r.peekTag() === Tag.IA5_STRING) out.dataUri = decodeString(r.read(Tag.IA5_STRING));
  if (r.peekTag() === Tag.SEQUENCE) {
    const el = r.read(Tag.SEQUENCE);
    const m = new DerReader(el.value);
    const md: NonNullable<TimeStampedData['metaData']> = {
      hashProtected: decodeBoolean(m.read(Tag.BOOLEAN)),
      der: el.raw,
    };
    if (m.peekTag() === Tag.UTF8_STRING) md.fileName = decodeString(m.read(Tag.UTF8_STRING));
    if (m.peekTag() === Tag.IA5_STRING) md.mediaType = decodeString(m.read(Tag.IA5_STRING));
    if (m.peekTag() === Tag.SEQUENCE) m.read(Tag.SEQUENCE); // otherMetaData
    m.finish('trailing data in MetaData');
    out.metaData = md;
  }
  if (r.peekTag() === Tag.OCTET_STRING) out.content = r.read(Tag.OCTET_STRING).value;
  const ev = r.read();
  r.finish('trailing data in TimeStampedData');
  if (ev.tag === 0xa0) {
    const list = new DerReader(ev.value);
    while (!list.done) {
      if (out.timeStamps.length >= MAX_TSD_TIMESTAMPS)
        throw new KysoError('INPUT_TOO_LARGE', `more than ${MAX_TSD_TIMESTAMPS} time-stamps`);
      const el = list.read(Tag.SEQUENCE);
      const t = new DerReader(el.value);
      const token = t.read(Tag.SEQUENCE).raw;
      const entry: TimeStampedData['timeStamps'][number] = { der: el.raw, token };
      if (!t.done) entry.crl = t.read(Tag.SEQUENCE).raw;
      t.finish('trailing data in TimeStampAndCRL');
      out.timeStamps.push(entry);
    }
    if (out.timeStamps.length === 0) throw schemaError('empty TimeStampTokenEvidence');
  } else if (ev.tag === 0xa1) out.evidence = 'ers';
  else if (ev.tag === 0xa2) out.evidence = 'other';
  else throw schemaError(`unknown temporalEvidence tag 0x${ev.tag.toString(16)}`);
  return out;
}

/**
 * Reason codes of the TimeStampedData content line: UPPER_SNAKE like every other verifier of kyso
 * (kebab-case before 0.2; `normalizeReasonCode` converts a stored old value).
 */
export const TSD_CONTENT_REASONS = [
  'DETACHED_DATA_EQUALS_CONTENT',
  'EMBEDDED_CONTENT',
  'DETACHED_DATA',
  'DETACHED_DATA_DIFFERS_FROM_CONTENT',
  'NO_DATA_SUPPLIED',
] as const;
/** A reason code of the TimeStampedData content line. */
export type TsdContentReason = (typeof TSD_CONTENT_REASONS)[number];

/** The outcome of verifyTimeStampedData: the content check and one line per time-stamp. */
export interface TimeStampedDataReport {
  /** The content matches and every time-stamp passed. */
  valid: boolean;
  /** `failed` when any check failed, else `indeterminate` when any is, else `passed`. */
  status: CheckStatus;
  /** The first problem, in words (e.g. `content: DETACHED_DATA_DIFFERS_FROM_CONTENT`). */
  reason?: string;
  /** Which bytes were time-stamped: the embedded content or the caller's detached data. */
  content: { status: CheckStatus; reason: TsdContentReason };
  /** One entry per time-stamp token, in order, with what its imprint covers and its checks. */
  timeStamps: {
    index: number;
    genTime?: Date;
    hashAlgorithm?: HashAlgorithm;
    /** What the token's imprint must cover. */
    covers: 'content' | 'metadata+content' | 'previous-timestamp';
    status: CheckStatus;
    checks: TspCheck[];
  }[];
}

/** Options of verifyTimeStampedData: detached data and time-stamp verification options. */
export interface TimeStampedDataVerifyOptions {
  /** Detached data (when the content is not embedded), or a copy to compare with the content. */
  data?: Uint8Array;
  /** How the tokens' TSA certificates are validated (trust store, chain validator, extra certificates). */
  timeStamp?: Pick<TimeStampVerifyOptions, 'trustStore' | 'validateChain' | 'certificates'>;
}

function combine(statuses: CheckStatus[]): CheckStatus {
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('indeterminate')) return 'indeterminate';
  return 'passed';
}

/** Verifies a TimeStampedData (bytes or parsed). Malformed input throws KysoError. */
export async function verifyTimeStampedData(
  input: Uint8Array | TimeStampedData,
  opts: TimeStampedDataVerifyOptions = {},
): Promise<TimeStampedDataReport> {
  const tsd = input instanceof Uint8Array ? parseTimeStampedData(input) : input;
  let data: Uint8Array | undefined;
  let content: TimeStampedDataReport['content'];
  if (tsd.content && opts.data) {
    content = bytesEqual(tsd.content, opts.data)
      ? { status: 'passed', reason: 'DETACHED_DATA_EQUALS_CONTENT' }
      : { status: 'failed', reason: 'DETACHED_DATA_DIFFERS_FROM_CONTENT' };
    data = tsd.content;
  } else if (tsd.content) {
    content = { status: 'passed', reason: 'EMBEDDED_CONTENT' };
    data = tsd.content;
  } else if (opts.data) {
    content = { status: 'passed', reason: 'DETACHED_DATA' };
    data = opts.data;
  } else content = { status: 'indeterminate', reason: 'NO_DATA_SUPPLIED' };
  const report: TimeStampedDataReport = { valid: false, status: 'failed', content, timeStamps: [] };
  if (tsd.evidence !== 'tst') {
    report.status = 'indeterminate';
    report.reason = `${tsd.evidence}Evidence is not verified`;
    return report;
  }
  const protect = tsd.metaData?.hashProtected === true;
  for (const [i, ts] of tsd.timeStamps.entries()) {
    const covered =
      i > 0 ? tsd.timeStamps[i - 1]!.der : data && (protect ? concatBytes(tsd.metaData!.der, data) : data);
    const rep = await verifyTimeStampToken(ts.token, {
      ...(opts.timeStamp ?? {}),
      ...(covered ? { data: covered } : {}),
    });
    const entry: TimeStampedDataReport['timeStamps'][number] = {
      index: i,
      covers: i > 0 ? 'previous-timestamp' : protect ? 'metadata+content' : 'content',
      status: rep.status,
      checks: rep.checks,
    };
    if (rep.genTime) entry.genTime = rep.genTime;
    if (rep.tstInfo) entry.hashAlgorithm = rep.tstInfo.messageImprint.hashAlgorithm;
    report.timeStamps.push(entry);
  }
  report.status = combine([content.status, ...report.timeStamps.map((t) => t.status)]);
  report.valid = report.status === 'passed';
  if (content.status !== 'passed') report.reason = `content: ${content.reason}`;
  else {
    const bad = report.timeStamps.find((t) => t.status !== 'passed');
    if (bad)
      report.reason = `time-stamp ${bad.index}: ${bad.checks
        .filter((c) => c.status !== 'passed')
        .map((c) => `${c.check} ${c.reason}`)
        .join(', ')}`;
  }
  return report;
}

/**
 * RFC 4998 Evidence Records (ERS): parsing and verification.
 *
 * EvidenceRecord ::= SEQUENCE {
 *   version INTEGER { v1(1) }, digestAlgorithms SEQUENCE OF AlgorithmIdentifier,
 *   cryptoInfos [0] CryptoInfos OPTIONAL, encryptionInfo [1] EncryptionInfo OPTIONAL,
 *   archiveTimeStampSequence ArchiveTimeStampSequence }
 * ArchiveTimeStampSequence ::= SEQUENCE OF ArchiveTimeStampChain
 * ArchiveTimeStampChain ::= SEQUENCE OF ArchiveTimeStamp
 * ArchiveTimeStamp ::= SEQUENCE { digestAlgorithm [0] AlgorithmIdentifier OPTIONAL,
 *   attributes [1] Attributes OPTIONAL, reducedHashtree [2] SEQUENCE OF PartialHashtree OPTIONAL,
 *   timeStamp ContentInfo }
 * PartialHashtree ::= SEQUENCE OF OCTET STRING
 *
 * Evidence records in the wild are BER (the embedded RFC 3161 tokens use indefinite lengths). The
 * structure is walked with a small bounded BER reader that keeps each element's encoding as found;
 * leaves are normalised (cms/ber.ts) and decoded strictly. Hashes over ER parts (a previous
 * timeStamp, the previous ArchiveTimeStampSequence) are taken over the DER form (RFC 4998 §5.2:
 * "DER encoded"), i.e. the normalised encoding.
 *
 * Verification (§4.3, §5.3): for each chain, the first ATS covers the data object (first chain)
 * or H(H(data) + H(previous chains)) (hash-tree renewal, §5.2 steps 2-4); each further ATS in a
 * chain covers H(previous ATS's timeStamp) (time-stamp renewal). The reduced hash tree reduces by
 * hashing each list's values sorted in binary ascending order (§4.2), the result joining the next
 * list; the root must equal the token's messageImprint, computed with the same hash. Each token is
 * verified with the RFC 3161 verifier (tsp/verify.ts). Malformed input throws KysoError;
 * verification outcomes are reported.
 */
import { bytesEqual, concatBytes, toHex } from '../bytes.js';
import { normalizeBer } from '../cms/ber.js';
import { digest, hashFromOid } from '../crypto/hash.js';
import type { HashAlgorithm } from '../crypto/types.js';
import { DerReader, Tag, decodeInteger, decodeOid, schemaError, seq, tlv } from '../der.js';
import { KysoError } from '../errors.js';
import type { CheckStatus } from '../verdict/indication.js';
import {
  type TimeStampVerifyOptions,
  type TspCheck,
  parseTimeStampToken,
  verifyTimeStampToken,
} from '../tsp/verify.js';

/** Size cap for an evidence record. */
export const MAX_ERS_SIZE = 16 * 1024 * 1024;
/** Cap on ArchiveTimeStampChains in a sequence. */
export const MAX_ERS_CHAINS = 64;
/** Cap on ArchiveTimeStamps in one chain. */
export const MAX_ERS_ATS_PER_CHAIN = 256;
/** Cap on PartialHashtrees in a reduced hash tree (the tree depth). */
export const MAX_ERS_TREE_DEPTH = 64;
/** Cap on hash values in one PartialHashtree. */
export const MAX_ERS_HASHES_PER_NODE = 1024;
/** Nesting cap of the BER walker. */
const MAX_DEPTH = 64;

/**
 * One ArchiveTimeStamp of an evidence record (RFC 4998 §4.2): the reduced hash tree and its time-stamp token.
 */
export interface ArchiveTimeStamp {
  /** digestAlgorithm [0] when present (else the token's messageImprint hash applies). */
  digestAlgorithmOid?: string;
  /** attributes [1], as found (not interpreted). */
  attributes?: Uint8Array;
  /** reducedHashtree [2]: a list of PartialHashtrees, each a list of hash values. */
  reducedHashtree?: Uint8Array[][];
  /** The timeStamp ContentInfo, as found in the record (possibly BER). */
  timeStamp: Uint8Array;
  /** The timeStamp in DER (the form hashed by a time-stamp renewal). */
  timeStampDer: Uint8Array;
}

/** An EvidenceRecord (RFC 4998 §3) as parsed: digest algorithms and the ArchiveTimeStampSequence. */
export interface EvidenceRecord {
  /** The EvidenceRecord version (1, RFC 4998 §3). */
  version: number;
  /** digestAlgorithms: the hash algorithms used in the record's hash trees. */
  digestAlgorithmOids: string[];
  /** cryptoInfos, DER, when present (kept, not interpreted). */
  cryptoInfos?: Uint8Array;
  /** encryptionInfo, DER, when present (kept, not interpreted). */
  encryptionInfo?: Uint8Array;
  /** archiveTimeStampSequence: chains in order, each a list of ATSs in order. */
  chains: ArchiveTimeStamp[][];
  /** DER encoding of each chain (ArchiveTimeStampChain), for hash-tree renewal. */
  chainsDer: Uint8Array[];
}

// ---------------------------------------------------------------------------------------------
// Bounded BER walker (structure only).

interface BerEl {
  tag: number;
  /** Whole TLV as found. */
  raw: Uint8Array;
  /** Children of a constructed element (parsed lazily by `children`). */
  contentStart: number;
  contentEnd: number;
  indefinite: boolean;
  buf: Uint8Array;
}

function bad(msg: string, off?: number): KysoError {
  return new KysoError(
    'DER_MALFORMED',
    `evidence record: ${msg}${off === undefined ? '' : ` at offset ${off}`}`,
  );
}

/** Work budget of the BER walker (TLVs visited while parsing one record). */
const MAX_BER_VISITS = 1_000_000;
let visits = 0;

/** Reads one BER TLV at `pos` (bounded by `end`); returns the element and the next position. */
function readBer(buf: Uint8Array, pos: number, end: number, depth: number): [BerEl, number] {
  if (depth > MAX_DEPTH) throw bad(`nesting deeper than ${MAX_DEPTH}`, pos);
  if (++visits > MAX_BER_VISITS)
    throw new KysoError('BUDGET_EXCEEDED', 'evidence record: too many BER elements');
  const start = pos;
  if (pos + 2 > end) throw bad('unexpected end of data', pos);
  const tag = buf[pos++]!;
  if ((tag & 0x1f) === 0x1f) throw bad('high tag numbers are not supported', start);
  const l0 = buf[pos++]!;
  if (l0 === 0x80) {
    if (!(tag & 0x20)) throw bad('indefinite length on a primitive element', start);
    const contentStart = pos;
    // Skip children until the end-of-contents marker.
    for (;;) {
      if (pos + 2 > end) throw bad('missing end-of-contents', pos);
      if (buf[pos] === 0 && buf[pos + 1] === 0) {
        const contentEnd = pos;
        pos += 2;
        return [{ tag, raw: buf.subarray(start, pos), contentStart, contentEnd, indefinite: true, buf }, pos];
      }
      pos = readBer(buf, pos, end, depth + 1)[1];
    }
  }
  let len = l0;
  if (l0 & 0x80) {
    const n = l0 & 0x7f;
    if (n > 4 || n === 0) throw bad('unsupported length encoding', start);
    if (pos + n > end) throw bad('truncated length', start);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[pos++]!;
  }
  if (pos + len > end) throw bad(`element length ${len} runs past the end of its container`, start);
  const contentStart = pos;
  pos += len;
  // Content of a definite element is checked when it is entered (children) or decoded (toDer).
  return [{ tag, raw: buf.subarray(start, pos), contentStart, contentEnd: pos, indefinite: false, buf }, pos];
}

function children(el: BerEl, max: number, what: string): BerEl[] {
  if (!(el.tag & 0x20)) throw schemaError(`evidence record: ${what} is not constructed`);
  const out: BerEl[] = [];
  let p = el.contentStart;
  while (p < el.contentEnd) {
    if (out.length >= max)
      throw new KysoError('INPUT_TOO_LARGE', `evidence record: more than ${max} ${what} entries`);
    const [c, next] = readBer(el.buf, p, el.contentEnd, 1);
    out.push(c);
    p = next;
  }
  return out;
}

function expectTag(el: BerEl | undefined, tag: number, what: string): BerEl {
  if (!el) throw schemaError(`evidence record: ${what} missing`);
  if (el.tag !== tag)
    throw schemaError(
      `evidence record: ${what}: expected tag 0x${tag.toString(16)}, found 0x${el.tag.toString(16)}`,
    );
  return el;
}

/** Strict DER view of a (possibly BER) leaf or subtree. */
function toDer(el: BerEl): Uint8Array {
  return normalizeBer(el.raw);
}

function algorithmOid(der: Uint8Array, what: string): string {
  const r = new DerReader(DerReader.single(der).value);
  const o = decodeOid(r.read(Tag.OID));
  if (!r.done) r.read(); // parameters (NULL or absent)
  r.finish(`${what}: trailing data in AlgorithmIdentifier`);
  return o;
}

/** Parses an EvidenceRecord (BER or DER). Throws KysoError on malformed input. */
export function parseEvidenceRecord(input: Uint8Array): EvidenceRecord {
  if (input.length > MAX_ERS_SIZE)
    throw new KysoError('INPUT_TOO_LARGE', `evidence record exceeds ${MAX_ERS_SIZE} bytes`);
  visits = 0;
  const [top, next] = readBer(input, 0, input.length, 0);
  if (next !== input.length) throw bad('trailing data after the EvidenceRecord', next);
  expectTag(top, Tag.SEQUENCE, 'EvidenceRecord');
  const f = children(top, 8, 'EvidenceRecord');
  let i = 0;
  const vEl = expectTag(f[i++], Tag.INTEGER, 'version');
  const version = Number(decodeInteger(DerReader.single(toDer(vEl), Tag.INTEGER)));
  if (version !== 1) throw schemaError(`evidence record: version ${version}, expected 1`);
  const daEl = expectTag(f[i++], Tag.SEQUENCE, 'digestAlgorithms');
  const digestAlgorithmOids = children(daEl, 32, 'digestAlgorithms').map((a) =>
    algorithmOid(toDer(a), 'digestAlgorithms'),
  );
  const rec: EvidenceRecord = { version, digestAlgorithmOids, chains: [], chainsDer: [] };
  if (f[i]?.tag === 0xa0) rec.cryptoInfos = toDer(f[i++]!);
  if (f[i]?.tag === 0xa1) rec.encryptionInfo = toDer(f[i++]!);
  const seqEl = expectTag(f[i++], Tag.SEQUENCE, 'archiveTimeStampSequence');
  if (i !== f.length) throw schemaError('evidence record: unexpected fields after archiveTimeStampSequence');
  const chainEls = children(seqEl, MAX_ERS_CHAINS, 'ArchiveTimeStampChain');
  if (chainEls.length === 0) throw schemaError('evidence record: empty archiveTimeStampSequence');
  for (const chainEl of chainEls) {
    expectTag(chainEl, Tag.SEQUENCE, 'ArchiveTimeStampChain');
    const atsEls = children(chainEl, MAX_ERS_ATS_PER_CHAIN, 'ArchiveTimeStamp');
    if (atsEls.length === 0) throw schemaError('evidence record: empty ArchiveTimeStampChain');
    rec.chains.push(atsEls.map(parseAts));
    rec.chainsDer.push(normalizeBer(chainEl.raw));
  }
  return rec;
}

function parseAts(el: BerEl): ArchiveTimeStamp {
  expectTag(el, Tag.SEQUENCE, 'ArchiveTimeStamp');
  const f = children(el, 4, 'ArchiveTimeStamp');
  let i = 0;
  const ats: Partial<ArchiveTimeStamp> = {};
  if (f[i]?.tag === 0xa0) {
    // [0] is IMPLICIT in the ERS module (DEFINITIONS IMPLICIT TAGS): its content is the AlgorithmIdentifier's.
    const d = toDer(f[i++]!);
    const inner = DerReader.single(d, 0xa0).value;
    ats.digestAlgorithmOid = algorithmOid(tlv(Tag.SEQUENCE, inner), 'digestAlgorithm');
  }
  if (f[i]?.tag === 0xa1) ats.attributes = toDer(f[i++]!);
  if (f[i]?.tag === 0xa2) {
    const tree = f[i++]!;
    const lists = children(tree, MAX_ERS_TREE_DEPTH, 'reducedHashtree');
    ats.reducedHashtree = lists.map((l) => {
      expectTag(l, Tag.SEQUENCE, 'PartialHashtree');
      const hs = children(l, MAX_ERS_HASHES_PER_NODE, 'PartialHashtree').map((h) => {
        expectTag(h, Tag.OCTET_STRING, 'PartialHashtree value');
        return DerReader.single(toDer(h), Tag.OCTET_STRING).value;
      });
      if (hs.length === 0) throw schemaError('evidence record: empty PartialHashtree');
      return hs;
    });
  }
  const ts = expectTag(f[i++], Tag.SEQUENCE, 'timeStamp');
  if (i !== f.length) throw schemaError('evidence record: unexpected fields in ArchiveTimeStamp');
  ats.timeStamp = ts.raw;
  ats.timeStampDer = normalizeBer(ts.raw);
  return ats as ArchiveTimeStamp;
}

// ---------------------------------------------------------------------------------------------
// Verification.

/**
 * The verification line of one ArchiveTimeStamp: its position, hash tree, data coverage and token results.
 */
export interface AtsReport {
  /** Index of the ArchiveTimeStampChain in the sequence, from 0. */
  chain: number;
  /** Index of the ArchiveTimeStamp in its chain, from 0. */
  index: number;
  /** The token's genTime. */
  genTime?: Date;
  /** The hash algorithm of this ATS's hash tree. */
  hashAlgorithm?: HashAlgorithm;
  /** 'passed' when both the ER hash checks and the token checks pass. */
  status: CheckStatus;
  /**
   * The ER-level check: the covered value (data hash, previous timeStamp hash, or renewed
   * data hash) is in the first PartialHashtree and the tree reduces to the token's imprint.
   */
  hashTree: { status: CheckStatus; reason: ErsReason; detail?: string };
  /** The RFC 3161 token's own checks (signature, TSTInfo, ESS, TSA certificate, chain). */
  token: { status: CheckStatus; checks: TspCheck[] };
}

/**
 * Reason codes of the evidence-record checks (the `hashTree` line of each ArchiveTimeStamp):
 * UPPER_SNAKE like every other verifier of kyso (before 0.2 they were kebab-case,
 * `root-hash-imprint-mismatch`; `normalizeReasonCode` converts a stored old value). The token's
 * own lines carry TSP_REASONS.
 */
export const ERS_REASONS = [
  'HASH_TREE_REDUCES_TO_IMPRINT',
  'HASH_MATCHES_IMPRINT',
  'NOT_CHECKED',
  'TIME_STAMP_MALFORMED',
  'UNSUPPORTED_HASH_ALGORITHM',
  'IMPRINT_HASH_ALGORITHM_MISMATCH',
  'DATA_HASH_NOT_IN_HASH_TREE',
  'PREVIOUS_TIME_STAMP_HASH_NOT_IN_HASH_TREE',
  'RENEWED_DATA_HASH_NOT_IN_HASH_TREE',
  'ROOT_HASH_IMPRINT_MISMATCH',
  'NO_DATA_SUPPLIED',
  'HASH_ALGORITHM_CHANGED_WITHIN_CHAIN',
  'GENTIME_BEFORE_PREVIOUS_TIME_STAMP',
] as const;
/** A reason code of an evidence-record hash-tree line. */
export type ErsReason = (typeof ERS_REASONS)[number];

/**
 * The outcome of verifyEvidenceRecord: overall validity, structural integrity and one line per
 * ArchiveTimeStamp.
 */
export interface EvidenceRecordReport {
  /** True iff every ATS passed (hash trees, data coverage and tokens, TSA chain trust included). */
  valid: boolean;
  /** True iff no ER structure/hash check failed (independent of TSA trust). */
  hashTreesValid: boolean;
  /** `failed` when any ATS failed, else `indeterminate` when any is, else `passed`. */
  status: CheckStatus;
  /** First problem, "chain C ATS I: reason". */
  reason?: string;
  /** One report per ArchiveTimeStamp, chain by chain. */
  ats: AtsReport[];
}

/** Options of verifyEvidenceRecord: the archived data object(s) and time-stamp verification options. */
export interface EvidenceRecordVerifyOptions {
  /**
   * The archived data object(s) the record protects. Without data, the record's internal
   * consistency is still checked (every tree reduces to its imprint, every renewal covers the
   * previous time-stamp), and the data-coverage lines are "indeterminate" (no-data-supplied).
   */
  data?: Uint8Array | Uint8Array[];
  /** Passed to the token verifier (trustStore, validateChain, certificates). */
  timeStamp?: Pick<TimeStampVerifyOptions, 'trustStore' | 'validateChain' | 'certificates'>;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * Reduces a reduced hash tree (§4.3 step 3): each list, with the value carried up from the
 * list below, is sorted in binary ascending order, concatenated and hashed; a list holding a
 * single value passes it on unhashed. Without a tree the root is the covered value itself.
 */
export async function reduceHashtree(
  alg: HashAlgorithm,
  tree: readonly (readonly Uint8Array[])[] | undefined,
  leaf?: Uint8Array,
): Promise<Uint8Array | undefined> {
  if (!tree || tree.length === 0) return leaf;
  let carry: Uint8Array | undefined;
  for (const list of tree) {
    const values = carry ? [...list, carry] : [...list];
    if (values.length === 1) {
      carry = values[0]!;
      continue;
    }
    values.sort(compare);
    carry = await digest(alg, concatBytes(...values));
  }
  return carry;
}

type Line = AtsReport['hashTree'];

async function checkTree(
  alg: HashAlgorithm,
  ats: ArchiveTimeStamp,
  covered: Uint8Array[] | undefined,
  /** The reason when a covered value is not in the first PartialHashtree. */
  notInTree: ErsReason,
  imprintAlg: HashAlgorithm,
  imprint: Uint8Array,
): Promise<Line> {
  if (imprintAlg !== alg)
    return { status: 'failed', reason: 'IMPRINT_HASH_ALGORITHM_MISMATCH', detail: `${alg} vs ${imprintAlg}` };
  const tree = ats.reducedHashtree;
  if (covered) {
    for (const c of covered) {
      const present = tree?.length ? tree[0]!.some((h) => bytesEqual(h, c)) : covered.length === 1;
      if (!present) return { status: 'failed', reason: notInTree, detail: toHex(c) };
    }
  }
  // With a tree, the membership test above binds the covered value; reduce the tree itself.
  const root = await reduceHashtree(alg, tree, covered?.[0]);
  if (!root)
    return {
      status: 'indeterminate',
      reason: 'NO_DATA_SUPPLIED',
      detail: 'no reduced hash tree and no data',
    };
  if (!bytesEqual(root, imprint))
    return {
      status: 'failed',
      reason: 'ROOT_HASH_IMPRINT_MISMATCH',
      detail: `${toHex(root)} != ${toHex(imprint)}`,
    };
  if (!covered)
    return { status: 'indeterminate', reason: 'NO_DATA_SUPPLIED', detail: 'tree reduces to the imprint' };
  return { status: 'passed', reason: tree?.length ? 'HASH_TREE_REDUCES_TO_IMPRINT' : 'HASH_MATCHES_IMPRINT' };
}

function combine(statuses: CheckStatus[]): CheckStatus {
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('indeterminate')) return 'indeterminate';
  return 'passed';
}

/** Verifies an EvidenceRecord (bytes or parsed) over the data object(s). Malformed input throws. */
export async function verifyEvidenceRecord(
  input: Uint8Array | EvidenceRecord,
  opts: EvidenceRecordVerifyOptions = {},
): Promise<EvidenceRecordReport> {
  const er = input instanceof Uint8Array ? parseEvidenceRecord(input) : input;
  const data = opts.data === undefined ? undefined : Array.isArray(opts.data) ? opts.data : [opts.data];
  if (data && data.length === 0) throw new KysoError('INVALID_ARGUMENT', 'empty list of data objects');
  const out: AtsReport[] = [];
  let firstProblem: string | undefined;
  let prevGenTime: Date | undefined;
  for (const [ci, chain] of er.chains.entries()) {
    let chainAlg: HashAlgorithm | undefined;
    let prevTs: Uint8Array | undefined;
    for (const [ai, ats] of chain.entries()) {
      const rep: AtsReport = {
        chain: ci,
        index: ai,
        status: 'failed',
        hashTree: { status: 'failed', reason: 'NOT_CHECKED' },
        token: { status: 'failed', checks: [] },
      };
      out.push(rep);
      const note = (why: string) => {
        firstProblem ??= `chain ${ci} ATS ${ai}: ${why}`;
      };
      const thisTs = ats.timeStampDer;
      try {
        let parsed: ReturnType<typeof parseTimeStampToken>;
        try {
          parsed = parseTimeStampToken(thisTs);
        } catch (e) {
          if (!(e instanceof KysoError)) throw e;
          rep.hashTree = { status: 'failed', reason: 'TIME_STAMP_MALFORMED', detail: e.message };
          note(rep.hashTree.reason);
          continue;
        }
        const mi = parsed.tstInfo.messageImprint;
        rep.genTime = parsed.tstInfo.genTime;
        let alg: HashAlgorithm;
        try {
          alg = ats.digestAlgorithmOid ? hashFromOid(ats.digestAlgorithmOid) : mi.hashAlgorithm;
        } catch (e) {
          if (!(e instanceof KysoError)) throw e;
          rep.hashTree = {
            status: 'indeterminate',
            reason: 'UNSUPPORTED_HASH_ALGORITHM',
            ...(ats.digestAlgorithmOid ? { detail: ats.digestAlgorithmOid } : {}),
          };
          note(rep.hashTree.reason);
          continue;
        }
        rep.hashAlgorithm = alg;
        // What this ATS must cover (§5.3).
        let covered: Uint8Array[] | undefined;
        let notInTree: ErsReason;
        if (ai > 0) {
          // Time-stamp renewal: H(previous ATS's timeStamp), DER.
          covered = [await digest(alg, prevTs!)];
          notInTree = 'PREVIOUS_TIME_STAMP_HASH_NOT_IN_HASH_TREE';
        } else if (ci === 0) {
          covered = data && (await Promise.all(data.map((d) => digest(alg, d))));
          notInTree = 'DATA_HASH_NOT_IN_HASH_TREE';
        } else {
          // Hash-tree renewal (§5.2 steps 2-4): H(h(d) + H(atsc)), atsc the DER-encoded
          // ArchiveTimeStampSequence of the preceding chains, '+' plain concatenation.
          notInTree = 'RENEWED_DATA_HASH_NOT_IN_HASH_TREE';
          if (data) {
            const ha = await digest(alg, seq(...er.chainsDer.slice(0, ci)));
            covered = await Promise.all(
              data.map(async (d) => digest(alg, concatBytes(await digest(alg, d), ha))),
            );
          }
        }
        let line = await checkTree(alg, ats, covered, notInTree, mi.hashAlgorithm, mi.hashedMessage);
        if (line.status !== 'failed' && ai > 0 && chainAlg && chainAlg !== alg)
          line = {
            status: 'failed',
            reason: 'HASH_ALGORITHM_CHANGED_WITHIN_CHAIN',
            detail: `${chainAlg} -> ${alg}`,
          };
        else if (line.status !== 'failed' && prevGenTime && rep.genTime < prevGenTime)
          line = {
            status: 'failed',
            reason: 'GENTIME_BEFORE_PREVIOUS_TIME_STAMP',
            detail: rep.genTime.toISOString(),
          };
        rep.hashTree = line;
        chainAlg ??= alg;
        prevGenTime = rep.genTime;
        const tok = await verifyTimeStampToken(thisTs, opts.timeStamp ?? {});
        // The imprint was checked against the hash tree above.
        const checks = tok.checks.filter((c) => c.check !== 'message-imprint');
        rep.token = { status: combine(checks.map((c) => c.status)), checks };
        rep.status = combine([rep.hashTree.status, rep.token.status]);
        if (rep.hashTree.status === 'failed') note(rep.hashTree.reason);
        else if (rep.token.status === 'failed')
          note(
            `time-stamp token: ${checks
              .filter((c) => c.status === 'failed')
              .map((c) => `${c.check} ${c.reason}`)
              .join(', ')}`,
          );
      } finally {
        prevTs = thisTs;
      }
    }
  }
  const status = combine(out.map((r) => r.status));
  const report: EvidenceRecordReport = {
    valid: status === 'passed',
    hashTreesValid: out.every((r) => r.hashTree.status !== 'failed'),
    status,
    ats: out,
  };
  if (!firstProblem && status !== 'passed') {
    const r = out.find((x) => x.status !== 'passed')!;
    const why =
      r.hashTree.status !== 'passed'
        ? r.hashTree.reason
        : `time-stamp token: ${r.token.checks
            .filter((c) => c.status !== 'passed')
            .map((c) => `${c.check} ${c.reason}`)
            .join(', ')}`;
    firstProblem = `chain ${r.chain} ATS ${r.index}: ${why}`;
  }
  if (firstProblem) report.reason = firstProblem;
  return report;
}

/** JSON view of a report (dates as ISO strings). */
export function evidenceRecordReportToJson(r: EvidenceRecordReport): Record<string, unknown> {
  return {
    valid: r.valid,
    status: r.status,
    hashTreesValid: r.hashTreesValid,
    ...(r.reason ? { reason: r.reason } : {}),
    archiveTimeStamps: r.ats.map((a) => ({
      chain: a.chain,
      index: a.index,
      genTime: a.genTime?.toISOString(),
      hashAlgorithm: a.hashAlgorithm,
      status: a.status,
      hashTree: a.hashTree,
      token: a.token,
    })),
  };
}

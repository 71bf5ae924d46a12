/**
 * Lenient structural parse for the linter. The strict `Certificate` / `Crl` parsers throw on what a
 * linter must report (duplicate extensions, an encoded critical FALSE, wrong time type for the year,
 * a non-minimal serial...). Here the TLV framing is still strict DER (a certificate whose framing is
 * not DER is reported by `e_der_encoding` and not linted further), but the fields are read without
 * the semantic checks, and every sub-parse that fails is recorded as a problem for the lints.
 */
import { bytesEqual, toHex } from '../bytes.js';
import {
  type DerElement,
  DerReader,
  Tag,
  checkInteger,
  checkPrimitiveContent,
  ctxTag,
  decodeBitString,
  decodeGeneralizedTime,
  decodeUtcTime,
  decodeOid,
  parseTree,
} from '../der.js';
import { KysoError } from '../errors.js';
import { Name } from '../name.js';
import { derOrPem, looksLikePem, pemDecodeAll } from '../pem.js';
import { parsePublicKeyInfo } from '../crypto/keys.js';
import type { PublicKeyInfo } from '../crypto/types.js';

export interface LintExtension {
  oid: string;
  critical: boolean;
  /** The BOOLEAN was encoded although FALSE (DER forbids encoding a DEFAULT value). */
  explicitFalse: boolean;
  value: Uint8Array;
}

export interface LintTime {
  date?: Date;
  tag: number;
  text: string;
}

export interface LintCert {
  kind: 'certificate' | 'tbsCertificate';
  der: Uint8Array;
  tbs: Uint8Array;
  /** Why the whole encoding is not DER (parseTree's message), if it is not. */
  derProblem?: string;
  version: number;
  serial: Uint8Array;
  tbsSigAlg: Uint8Array;
  sigAlgOid: string;
  outerSigAlg?: Uint8Array;
  issuer?: Name;
  issuerProblem?: string;
  subject?: Name;
  subjectProblem?: string;
  notBefore: LintTime;
  notAfter: LintTime;
  spki: Uint8Array;
  spkiAlgOid: string;
  spkiParams?: Uint8Array;
  keyInfo?: PublicKeyInfo;
  keyProblem?: string;
  issuerUid?: Uint8Array;
  subjectUid?: Uint8Array;
  extensions: LintExtension[];
}

export interface LintRevoked {
  serial: Uint8Array;
  date: LintTime;
  extensions: LintExtension[];
}

export interface LintCrl {
  der: Uint8Array;
  derProblem?: string;
  version: number;
  sigAlgOid: string;
  tbsSigAlg: Uint8Array;
  outerSigAlg: Uint8Array;
  issuer?: Name;
  issuerProblem?: string;
  thisUpdate: LintTime;
  nextUpdate?: LintTime;
  revoked: LintRevoked[];
  /** revokedCertificates present but empty. */
  emptyRevokedList: boolean;
  extensions: LintExtension[];
}

function msg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Two ASCII digits at `i`, or -1. */
function two(v: Uint8Array, i: number): number {
  const a = v[i]! - 0x30;
  const b = v[i + 1]! - 0x30;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * The date of a time in its DER form (UTCTime YYMMDDHHMMSSZ, GeneralizedTime YYYYMMDDHHMMSSZ) read
 * straight from the bytes, or undefined for anything else (then decodeUtcTime / decodeGeneralizedTime
 * decide, and report why). Same result as those decoders for the strings it accepts.
 */
function derTime(tag: number, v: Uint8Array): Date | undefined {
  let year: number;
  let i: number;
  if (tag === Tag.UTC_TIME && v.length === 13) {
    const yy = two(v, 0);
    if (yy < 0) return undefined;
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    i = 2;
  } else if (tag === Tag.GENERALIZED_TIME && v.length === 15) {
    const hi = two(v, 0);
    const lo = two(v, 2);
    if (hi < 0 || lo < 0) return undefined;
    year = hi * 100 + lo;
    i = 4;
  } else return undefined;
  if (v[v.length - 1] !== 0x5a) return undefined;
  const mo = two(v, i);
  const d = two(v, i + 2);
  const h = two(v, i + 4);
  const mi = two(v, i + 6);
  const sec = two(v, i + 8);
  if (mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
    return undefined;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0..99 to 1900..1999.
  date.setUTCFullYear(year, mo - 1, d);
  date.setUTCHours(h, mi, sec, 0);
  return date.getUTCDate() === d && date.getUTCMonth() === mo - 1 ? date : undefined;
}

function readTime(r: DerReader, problems?: string[]): LintTime {
  const el = r.read();
  if (el.tag !== Tag.UTC_TIME && el.tag !== Tag.GENERALIZED_TIME)
    throw new KysoError('ASN1_SCHEMA', 'expected UTCTime or GeneralizedTime');
  let text = '';
  for (const b of el.value) text += String.fromCharCode(b);
  const t: LintTime = { tag: el.tag, text };
  const fast = derTime(el.tag, el.value);
  if (fast) {
    t.date = fast;
    return t;
  }
  try {
    // The DER form (the common case) decodes directly; anything else is a DER problem, and the
    // lenient reading below still recovers the date for the other lints.
    t.date = el.tag === Tag.UTC_TIME ? decodeUtcTime(el) : decodeGeneralizedTime(el);
    return t;
  } catch (e) {
    problems?.push(msg(e));
  }
  let m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(Z|[+-]\d{4})?$/.exec(text);
  let year: number | undefined;
  let rest: RegExpExecArray | null = null;
  if (el.tag === Tag.UTC_TIME && m) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
    rest = m;
  } else {
    m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?(?:\.\d+)?(Z|[+-]\d{4})?$/.exec(text);
    if (el.tag === Tag.GENERALIZED_TIME && m) {
      year = Number(m[1]);
      rest = m;
    }
  }
  if (rest && year !== undefined) {
    const d = new Date(0);
    d.setUTCFullYear(year, Number(rest[2]) - 1, Number(rest[3]));
    d.setUTCHours(Number(rest[4]), Number(rest[5]), Number(rest[6] ?? 0), 0);
    if (!Number.isNaN(d.getTime())) t.date = d;
  }
  return t;
}

function strict(problems: string[], f: () => unknown): void {
  try {
    f();
  } catch (e) {
    problems.push(msg(e));
  }
}

/** DER checks of an AlgorithmIdentifier's primitive parameters (NULL, OID...). */
function checkAlgorithm(problems: string[], el: DerElement): void {
  const r = inner(el);
  strict(problems, () => {
    r.readOid();
    while (!r.done) {
      const p = r.read();
      if (!(p.tag & 0x20) && p.tag < 0x1f) checkPrimitiveContent(p);
    }
  });
}

function readExtension(e: DerReader, problems?: string[]): LintExtension {
  const oid = e.readOid();
  let critical = false;
  let explicitFalse = false;
  if (e.peekTag() === Tag.BOOLEAN) {
    const b = e.read(Tag.BOOLEAN);
    critical = b.value.length === 1 && b.value[0] !== 0;
    explicitFalse = !critical;
    if (problems && critical && b.value[0] !== 0xff)
      problems.push(`extension ${oid}: BOOLEAN TRUE not encoded as FF`);
  }
  const value = e.readOctetString();
  e.finish('unexpected data in Extension');
  return { oid, critical, explicitFalse, value };
}

/**
 * Certificate extensions already read, by the exact bytes of the Extension element. A CA's
 * issuances repeat most extensions byte for byte (AKI, basic constraints, key usage, EKU, CRL
 * distribution points, AIA, policies), so lint before issue reads each once; a hit is what reading
 * the same bytes again would give (the frozen extension and its DER problem, if any). Entries that
 * were hit are kept over the ones never seen again (a certificate's own SKI and SAN).
 */
interface SeenExtension {
  raw: Uint8Array;
  ext: LintExtension;
  problem?: string;
  hits: number;
}
/** By a hash of the element's bytes (a bucket is compared byte for byte). */
const SEEN_EXTENSIONS = new Map<number, SeenExtension[]>();
let seenCount = 0;
const SEEN_EXTENSIONS_MAX = 64;
const SEEN_EXTENSION_MAX_BYTES = 2048;

/**
 * A cheap bucket key: the length and the last 12 bytes (FNV-1a). Elements of one OID share their head,
 * and a certificate's own values (key identifiers, names) differ at the end; a bucket is compared
 * byte for byte, so a collision costs a comparison, never a wrong reading.
 */
function hashBytes(b: Uint8Array): number {
  let h = Math.imul(0x811c9dc5 ^ b.length, 0x01000193);
  for (let i = Math.max(0, b.length - 12); i < b.length; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

/** Drops the entries not hit since they were cached; all of them if that is not enough. */
function sweepSeen(): void {
  for (const [h, list] of SEEN_EXTENSIONS) {
    const kept = list.filter((x) => x.hits > 0);
    seenCount -= list.length - kept.length;
    if (kept.length === 0) SEEN_EXTENSIONS.delete(h);
    else SEEN_EXTENSIONS.set(h, kept);
  }
  if (seenCount > SEEN_EXTENSIONS_MAX / 2) {
    SEEN_EXTENSIONS.clear();
    seenCount = 0;
  }
}

/** Extensions from the cache (immutable, shared by every certificate that carries the same bytes). */
const SHARED = new WeakSet<LintExtension>();
/** True for an extension read from the cache of repeated extensions (view.ts caches its decoded value). */
export function isSharedExtension(e: LintExtension): boolean {
  return SHARED.has(e);
}

/** Hashes of Extension elements seen once and not cached (yet): a second sighting caches it. */
const SEEN_ONCE = new Set<number>();

function readCertExtension(list: DerReader, problems: string[]): LintExtension {
  const el = list.read(Tag.SEQUENCE);
  const h = hashBytes(el.raw);
  const bucket = SEEN_EXTENSIONS.get(h);
  if (bucket) {
    for (const s of bucket) {
      if (bytesEqual(s.raw, el.raw)) {
        s.hits++;
        if (s.problem !== undefined) problems.push(s.problem);
        return s.ext;
      }
    }
  }
  const head = el.raw.length - el.value.length;
  // Large values are not kept (memory bound: a CA's repeated extensions are a few hundred bytes).
  if (el.raw.length > SEEN_EXTENSION_MAX_BYTES)
    return readExtension(new DerReader(el.value, el.offset + head), problems);
  if (!SEEN_ONCE.has(h)) {
    // First sighting (a certificate's own SKI and SAN never come again): read, do not keep.
    if (SEEN_ONCE.size >= 4 * SEEN_EXTENSIONS_MAX) SEEN_ONCE.clear();
    SEEN_ONCE.add(h);
    return readExtension(new DerReader(el.value, el.offset + head), problems);
  }
  SEEN_ONCE.delete(h);
  // Read from a private copy (same offsets in messages): the cached entry never changes with the caller's buffer.
  const raw = el.raw.slice();
  const own: string[] = [];
  const ext = Object.freeze(readExtension(new DerReader(raw.subarray(head), el.offset + head), own));
  SHARED.add(ext);
  const seen: SeenExtension = { raw, ext, hits: 0 };
  if (own.length > 0) {
    seen.problem = own[0]!;
    problems.push(own[0]!);
  }
  if (seenCount >= SEEN_EXTENSIONS_MAX) sweepSeen();
  const b = SEEN_EXTENSIONS.get(h);
  if (b) b.push(seen);
  else SEEN_EXTENSIONS.set(h, [seen]);
  seenCount++;
  return ext;
}

/** Reads Extensions; with `problems` (certificates) DER problems are recorded and repeated extensions come from a cache. */
export function readExtensions(list: DerReader, problems?: string[]): LintExtension[] {
  const out: LintExtension[] = [];
  while (!list.done) {
    if (out.length >= 256) throw new KysoError('INPUT_TOO_LARGE', 'too many extensions');
    out.push(problems ? readCertExtension(list, problems) : readExtension(list.enter(Tag.SEQUENCE)));
  }
  return out;
}

function derCheck(der: Uint8Array): string | undefined {
  try {
    parseTree(der);
    return undefined;
  } catch (e) {
    return msg(e);
  }
}

function inner(el: DerElement): DerReader {
  return new DerReader(el.value, el.offset + el.raw.length - el.value.length);
}

/** Parses a Certificate (or, with `tbsOnly`, a bare TBSCertificate) leniently. Throws KysoError when the framing is unreadable. */
export function parseLintCert(der: Uint8Array, tbsOnly = false): LintCert {
  // DER: the framing (tags, minimal lengths, no indefinite length) is enforced by DerReader; the
  // primitive contents that no strict sub-parser reads are checked here one by one (one pass, no
  // second generic walk), names by Name.fromDer, the key by parsePublicKeyInfo and extension values
  // by their typed parsers (see view.ts).
  const problems: string[] = [];
  const top = DerReader.single(der, Tag.SEQUENCE);
  let tbsEl: DerElement;
  let outerSigAlg: Uint8Array | undefined;
  if (tbsOnly) tbsEl = top;
  else {
    const c = inner(top);
    tbsEl = c.read(Tag.SEQUENCE);
    const oa = c.read(Tag.SEQUENCE);
    outerSigAlg = oa.raw;
    checkAlgorithm(problems, oa);
    const sigBits = c.read(Tag.BIT_STRING);
    strict(problems, () => decodeBitString(sigBits));
    c.finish('trailing data in Certificate');
  }
  const t = inner(tbsEl);
  let version = 1;
  const v = t.enterOptional(ctxTag(0, true));
  if (v) {
    const n = v.read(Tag.INTEGER);
    strict(problems, () => checkInteger(n));
    version = (n.value[n.value.length - 1] ?? 0) + 1;
    if (version === 1) problems.push('version v1 encoded although it is the DEFAULT');
    v.finish('unexpected data in version');
  }
  const serialEl = t.read(Tag.INTEGER);
  const serial = serialEl.value;
  strict(problems, () => checkInteger(serialEl));
  const sig = t.read(Tag.SEQUENCE);
  const sigAlgOid = decodeOid(inner(sig).read(Tag.OID));
  checkAlgorithm(problems, sig);
  const issuerEl = t.read(Tag.SEQUENCE);
  const validity = t.enter(Tag.SEQUENCE);
  const notBefore = readTime(validity, problems);
  const notAfter = readTime(validity, problems);
  validity.finish('unexpected data in Validity');
  const subjectEl = t.read(Tag.SEQUENCE);
  const spkiEl = t.read(Tag.SEQUENCE);
  const a = inner(spkiEl).enter(Tag.SEQUENCE);
  const spkiAlgOid = a.readOid();
  const params = a.done ? undefined : a.read().raw;
  const cert: LintCert = {
    kind: tbsOnly ? 'tbsCertificate' : 'certificate',
    der,
    tbs: tbsEl.raw,
    version,
    serial,
    tbsSigAlg: sig.raw,
    sigAlgOid,
    notBefore,
    notAfter,
    spki: spkiEl.raw,
    spkiAlgOid,
    extensions: [],
  };
  if (outerSigAlg) cert.outerSigAlg = outerSigAlg;
  if (params) cert.spkiParams = params;
  try {
    cert.issuer = Name.fromDer(issuerEl.raw);
  } catch (e) {
    cert.issuerProblem = msg(e);
  }
  if (cert.issuer && bytesEqual(issuerEl.raw, subjectEl.raw)) cert.subject = cert.issuer;
  else
    try {
      cert.subject = Name.fromDer(subjectEl.raw);
    } catch (e) {
      cert.subjectProblem = msg(e);
    }
  try {
    cert.keyInfo = parsePublicKeyInfo(spkiEl.raw);
  } catch (e) {
    cert.keyProblem = msg(e);
  }
  const iuid = t.readOptional(ctxTag(1, false));
  const suid = t.readOptional(ctxTag(2, false));
  for (const u of [iuid, suid]) if (u) strict(problems, () => decodeBitString(u));
  if (iuid) cert.issuerUid = iuid.value;
  if (suid) cert.subjectUid = suid.value;
  const ew = t.enterOptional(ctxTag(3, true));
  if (ew) {
    cert.extensions = readExtensions(ew.enter(Tag.SEQUENCE), problems);
    ew.finish();
  }
  t.finish('trailing data in tbsCertificate');
  if (problems.length > 0) cert.derProblem = problems[0]!;
  return cert;
}

export function parseLintCrl(der: Uint8Array): LintCrl {
  const derProblem = derCheck(der);
  const top = DerReader.single(der, Tag.SEQUENCE);
  const c = inner(top);
  const tbsEl = c.read(Tag.SEQUENCE);
  const outerSigAlg = c.read(Tag.SEQUENCE).raw;
  c.read(Tag.BIT_STRING);
  c.finish('trailing data in CertificateList');
  const t = inner(tbsEl);
  let version = 1;
  if (t.peekTag() === Tag.INTEGER) {
    const n = t.read(Tag.INTEGER);
    version = (n.value[n.value.length - 1] ?? 0) + 1;
  }
  const sig = t.read(Tag.SEQUENCE);
  const sigAlgOid = decodeOid(inner(sig).read(Tag.OID));
  const issuerEl = t.read(Tag.SEQUENCE);
  const thisUpdate = readTime(t);
  const crl: LintCrl = {
    der,
    version,
    sigAlgOid,
    tbsSigAlg: sig.raw,
    outerSigAlg,
    thisUpdate,
    revoked: [],
    emptyRevokedList: false,
    extensions: [],
  };
  if (derProblem) crl.derProblem = derProblem;
  try {
    crl.issuer = Name.fromDer(issuerEl.raw);
  } catch (e) {
    crl.issuerProblem = msg(e);
  }
  const nt = t.peekTag();
  if (nt === Tag.UTC_TIME || nt === Tag.GENERALIZED_TIME) crl.nextUpdate = readTime(t);
  const rl = t.enterOptional(Tag.SEQUENCE);
  if (rl) {
    crl.emptyRevokedList = rl.done;
    while (!rl.done) {
      if (crl.revoked.length >= 2_000_000) throw new KysoError('INPUT_TOO_LARGE', 'too many CRL entries');
      const e = rl.enter(Tag.SEQUENCE);
      const serial = e.read(Tag.INTEGER).value;
      const date = readTime(e);
      const exts = e.done ? [] : readExtensions(e.enter(Tag.SEQUENCE));
      crl.revoked.push({ serial, date, extensions: exts });
    }
  }
  const ew = t.enterOptional(ctxTag(0, true));
  if (ew) {
    crl.extensions = readExtensions(ew.enter(Tag.SEQUENCE));
    ew.finish();
  }
  t.finish('trailing data in tbsCertList');
  return crl;
}

/** DER blocks from DER or PEM input with any of the labels. */
export function lintInputs(data: Uint8Array | string, ...labels: string[]): Uint8Array[] {
  if (looksLikePem(data)) {
    const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
    const blocks = pemDecodeAll(text).filter((b) => labels.includes(b.label));
    if (blocks.length === 0) throw new KysoError('PEM_MALFORMED', `no ${labels.join(' / ')} PEM block`);
    return blocks.map((b) => b.der);
  }
  return derOrPem(data);
}

export const hex = toHex;

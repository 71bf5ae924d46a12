/**
 * Object access and comparison for the change analysis: structural equality, objects read as the
 * analysis needs them (large streams of a file left in the file and compared by span), the
 * reference graph of a revision (who refers to what; everything reachable, back-pointers
 * included), bounded tree walks and small lookups.
 */
import { bytesEqual } from '@kyso/pki-core';
import { PdfDict, PdfName, type PdfObject, PdfRef, PdfStream, PdfString } from '../../pdf/objects.js';
import { Parser } from '../../pdf/parser.js';
import { MAX_REF_CHAIN, type PdfReader } from '../../pdf/reader.js';
import type { ByteSource } from '../../pdf/source.js';

/** Most objects walked when building one revision's reference graph. */
export const MAX_GRAPH_OBJECTS = 200_000;
/** Deepest direct-object nesting followed when collecting references. */
export const MAX_VALUE_DEPTH = 64;
/** Most objects visited below one explained structure (an appearance, the DSS). */
export const MAX_TREE_OBJECTS = 50_000;

// ---------------------------------------------------------------------------------------------

/** Structural equality of parsed objects (references compared by number and generation). */
export function sameObject(a: PdfObject | undefined, b: PdfObject | undefined, depth = 0): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (depth > MAX_VALUE_DEPTH) return false;
  if (a instanceof PdfRef) return b instanceof PdfRef && a.num === b.num && a.gen === b.gen;
  if (a instanceof PdfName) return false; // interned: equal names are ===
  if (a instanceof PdfString) return b instanceof PdfString && bytesEqual(a.bytes, b.bytes);
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameObject(x, b[i], depth + 1));
  }
  if (a instanceof PdfDict) return b instanceof PdfDict && sameDict(a, b, depth);
  if (a instanceof PdfStream) {
    return b instanceof PdfStream && bytesEqual(a.raw, b.raw) && sameDict(a.dict, b.dict, depth, ['Length']);
  }
  return false;
}

export function sameDict(a: PdfDict, b: PdfDict, depth: number, ignore: string[] = []): boolean {
  const keys = new Set([...a.map.keys(), ...b.map.keys()]);
  for (const k of keys) {
    if (ignore.includes(k)) continue;
    if (!sameObject(a.get(k), b.get(k), depth + 1)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Objects read for the analysis. From a file, a stream of LAZY_STREAM bytes or more is not loaded:
// its dictionary is parsed and its data stays in the file (compared by reading both spans in
// chunks), so walking a document with large images or content streams stays within memory.

/** Streams at least this long (encoded) are read lazily from a file-backed document. */
export const LAZY_STREAM = 1024 * 1024;
const COMPARE_CHUNK = 1024 * 1024;
const EMPTY = new Uint8Array(0);

/** Data span of a stream whose data was left in the document. */
export interface LazySpan {
  source: ByteSource;
  start: number;
  length: number;
}
const lazySpans = new WeakMap<PdfStream, LazySpan>();
const lazyCache = new WeakMap<PdfReader, Map<number, PdfStream | null>>();

/** The dictionary and data span of stream object `num` at `offset`, when it is a large stream. */
export function lazyStream(r: PdfReader, num: number, offset: number): PdfStream | null {
  let head: { dict: PdfDict; start: number } | undefined;
  try {
    head = r.parseAt(offset, (p) => {
      p.skipWs();
      const n = p.tryUint();
      const g = p.tryUint();
      if (n !== num || g === undefined) return undefined;
      p.expectKeyword('obj');
      const d = p.parseObject();
      p.skipWs();
      if (!(d instanceof PdfDict) || !p.peekKeyword('stream')) return undefined;
      p.expectKeyword('stream');
      const b = p.buf;
      while (b[p.pos] === 0x20) p.pos++;
      if (b[p.pos] === 0x0d) p.pos++;
      if (b[p.pos] === 0x0a) p.pos++;
      return { dict: d, start: p.abs };
    });
  } catch {
    return null;
  }
  if (!head) return null;
  let len = head.dict.get('Length');
  if (len instanceof PdfRef) {
    try {
      len = r.getObject(len.num);
    } catch {
      return null;
    }
  }
  if (typeof len !== 'number' || !Number.isInteger(len) || len < LAZY_STREAM) return null;
  const end = head.start + len;
  if (end > r.source.length) return null;
  // The data must end where /Length says (else the reader's tolerant parse decides).
  const tail = new Parser(r.source.read(end, 64), 0);
  tail.skipWs();
  if (tail.readRegular() !== 'endstream') return null;
  const st = new PdfStream(head.dict, EMPTY);
  lazySpans.set(st, { source: r.source, start: head.start, length: len });
  return st;
}

/** Object `num` for the analysis: `r.getObject`, except large streams of a file (lazy). */
export function objectOf(r: PdfReader, num: number): PdfObject {
  if (r.source.bytes) return r.getObject(num);
  const off = r.offsetOf(num);
  if (off === undefined) return r.getObject(num);
  let cache = lazyCache.get(r);
  if (!cache) {
    cache = new Map();
    lazyCache.set(r, cache);
  }
  let st = cache.get(num);
  if (st === undefined) {
    st = lazyStream(r, num, off);
    if (cache.size >= 100_000) cache.clear();
    cache.set(num, st);
  }
  return st ?? r.getObject(num);
}

/** `objectOf`, with a read failure as a value (an unreadable object displays nothing). */
export function readOf(r: PdfReader, num: number): { ok: true; value: PdfObject } | { ok: false } {
  try {
    return { ok: true, value: objectOf(r, num) };
  } catch {
    return { ok: false };
  }
}

/** Follows references with `objectOf` (null when missing). */
export function resolveOf(r: PdfReader, v: PdfObject | undefined): PdfObject {
  let x: PdfObject | undefined = v;
  for (let i = 0; x instanceof PdfRef; i++) {
    if (i >= MAX_REF_CHAIN) return null;
    x = objectOf(r, x.num);
  }
  return x ?? null;
}

/** Encoded data of a stream: in memory, or its span in the document. */
export const dataOf = (s: PdfStream): LazySpan | Uint8Array => lazySpans.get(s) ?? s.raw;

export function sameData(a: LazySpan | Uint8Array, b: LazySpan | Uint8Array): boolean {
  if (a.length !== b.length) return false;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return bytesEqual(a, b);
  if (!(a instanceof Uint8Array) && !(b instanceof Uint8Array) && a.start === b.start) {
    // Same offset in the same document (one reader's source is a prefix of the other's).
    return true;
  }
  const read = (x: LazySpan | Uint8Array, o: number, n: number) =>
    x instanceof Uint8Array ? x.subarray(o, o + n) : x.source.read(x.start + o, n);
  const n = a.length;
  for (let o = 0; o < n; o += COMPARE_CHUNK) {
    const k = Math.min(COMPARE_CHUNK, n - o);
    if (!bytesEqual(read(a, o, k), read(b, o, k))) return false;
  }
  return true;
}

/** `sameObject` for top-level objects, comparing stream data left in the document. */
export function sameTopObject(a: PdfObject, b: PdfObject): boolean {
  if (a instanceof PdfStream && b instanceof PdfStream && (lazySpans.has(a) || lazySpans.has(b)))
    return sameDict(a.dict, b.dict, 0, ['Length']) && sameData(dataOf(a), dataOf(b));
  return sameObject(a, b);
}

/** Keys that point back up a tree (ignored when computing who refers to an object). */
export const BACK_POINTERS = new Set(['P', 'Parent']);

/** References directly inside a value (not following them), skipping back-pointers. */
export function refsIn(v: PdfObject | undefined, out: PdfRef[], depth = 0): void {
  if (v === undefined || v === null || depth > MAX_VALUE_DEPTH) return;
  if (v instanceof PdfRef) out.push(v);
  else if (Array.isArray(v)) for (const x of v) refsIn(x, out, depth + 1);
  else if (v instanceof PdfDict) {
    for (const [k, x] of v.map) if (!BACK_POINTERS.has(k)) refsIn(x, out, depth + 1);
  } else if (v instanceof PdfStream) refsIn(v.dict, out, depth + 1);
}

/** Pseudo object number of the trailer in referrer sets. */
export const TRAILER = -1;
export const TRAILER_SKIP = new Set([
  'Prev',
  'XRefStm',
  'Size',
  'ID',
  'Index',
  'W',
  'Filter',
  'DecodeParms',
  'Length',
]);

export interface RefGraph {
  /**
   * Who refers to each reachable object: "N" (object N, from an array or nested value) or "N/Key"
   * (object N's top-level dictionary key); the trailer is object -1. Back-pointers (/P, /Parent)
   * are not referrers (they do not make an object part of another structure).
   */
  referrers: Map<number, Set<string>>;
  /**
   * Every object number reachable from the trailer through every key, back-pointers included
   * (an inherited /Resources on a /Parent node is displayed), whether it is defined or not.
   */
  reachable: Set<number>;
  complete: boolean;
}

/** References in an object, each with the top-level dictionary key it sits under. */
export function keyedRefs(v: PdfObject): [PdfRef, string][] {
  const out: [PdfRef, string][] = [];
  const d = v instanceof PdfStream ? v.dict : v instanceof PdfDict ? v : undefined;
  if (d) {
    for (const [k, x] of d.map) {
      if (BACK_POINTERS.has(k)) continue;
      const refs: PdfRef[] = [];
      refsIn(x, refs);
      for (const r of refs) out.push([r, `/${k}`]);
    }
  } else {
    const refs: PdfRef[] = [];
    refsIn(v, refs);
    for (const r of refs) out.push([r, '']);
  }
  return out;
}

/** References under the back-pointer keys (/P, /Parent) of an object's dictionary. */
export function backRefs(v: PdfObject): PdfRef[] {
  const d = v instanceof PdfStream ? v.dict : v instanceof PdfDict ? v : undefined;
  const out: PdfRef[] = [];
  if (d) for (const k of BACK_POINTERS) refsIn(d.get(k), out);
  return out;
}

/** Whether referrer `who` ("N" or "N/Key") is covered by the allowed set ("N" allows every key). */
export function allowedRef(allowed: ReadonlySet<string>, who: string): boolean {
  if (allowed.has(who)) return true;
  const i = who.indexOf('/');
  return i > 0 && allowed.has(who.slice(0, i));
}

export const ids = (nums: Iterable<number>): Set<string> => new Set([...nums].map(String));

export function buildGraph(r: PdfReader, maxObjects = MAX_GRAPH_OBJECTS): RefGraph {
  const referrers = new Map<number, Set<string>>();
  const reachable = new Set<number>();
  const queue: number[] = [];
  const reach = (num: number) => {
    if (reachable.has(num)) return;
    reachable.add(num);
    queue.push(num);
  };
  const visit = (from: number, refs: [PdfRef, string][]) => {
    for (const [ref, key] of refs) {
      if (ref.num === from) continue;
      let s = referrers.get(ref.num);
      if (!s) {
        s = new Set();
        referrers.set(ref.num, s);
      }
      s.add(`${from}${key}`);
      reach(ref.num);
    }
  };
  const trailer = new PdfDict([...r.trailer.map].filter(([k]) => !TRAILER_SKIP.has(k)));
  visit(TRAILER, keyedRefs(trailer));
  let complete = true;
  for (let i = 0; i < queue.length; i++) {
    if (i >= maxObjects) {
      complete = false;
      break;
    }
    const num = queue[i]!;
    let v: PdfObject;
    try {
      v = objectOf(r, num);
    } catch {
      continue;
    }
    visit(num, keyedRefs(v));
    for (const b of backRefs(v)) reach(b.num);
  }
  return { referrers, reachable, complete };
}

/** Object numbers reachable from `v` (not through back-pointers), bounded. */
export function treeObjects(r: PdfReader, v: PdfObject | undefined, into = new Set<number>()): Set<number> {
  const stack: PdfRef[] = [];
  refsIn(v, stack);
  while (stack.length > 0 && into.size < MAX_TREE_OBJECTS) {
    const ref = stack.pop()!;
    if (into.has(ref.num)) continue;
    into.add(ref.num);
    try {
      refsIn(objectOf(r, ref.num), stack);
    } catch {
      // unreadable: nothing below it
    }
  }
  return into;
}

export const describeObject = (v: PdfObject): string => {
  const d = v instanceof PdfStream ? v.dict : v instanceof PdfDict ? v : undefined;
  if (!d)
    return Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'object' ? 'value' : typeof v;
  const type = d.name('Type');
  const sub = d.name('Subtype');
  const kind = v instanceof PdfStream ? 'stream' : 'dictionary';
  return [type && `/${type}`, sub && `/${sub}`, kind].filter(Boolean).join(' ');
};

// ---------------------------------------------------------------------------------------------

export function dictOf(r: PdfReader, v: PdfObject | undefined): PdfDict | undefined {
  try {
    const x = resolveOf(r, v);
    return x instanceof PdfDict ? x : x instanceof PdfStream ? x.dict : undefined;
  } catch {
    return undefined;
  }
}

export function arrayOf(r: PdfReader, v: PdfObject | undefined): PdfObject[] {
  try {
    const x = resolveOf(r, v);
    return Array.isArray(x) ? x : [];
  } catch {
    return [];
  }
}

/** An /AP value's own objects: the dictionary, its /N /R /D entries and their state entries. */
export function appearanceObjects(r: PdfReader, ap: PdfObject | undefined): Set<number> {
  const out = new Set<number>();
  if (ap instanceof PdfRef) out.add(ap.num);
  const d = dictOf(r, ap);
  for (const k of ['N', 'R', 'D']) {
    const v = d?.get(k);
    if (v instanceof PdfRef) out.add(v.num);
    const x = resolveOf(r, v);
    if (x instanceof PdfDict) for (const s of x.map.values()) if (s instanceof PdfRef) out.add(s.num);
  }
  return out;
}

export const refNum = (v: PdfObject | undefined): number => (v instanceof PdfRef ? v.num : -1);

export const refNums = (a: PdfObject[]): number[] =>
  a.filter((x): x is PdfRef => x instanceof PdfRef).map((x) => x.num);

export function keyDiff(a: PdfDict | undefined, b: PdfDict | undefined): string[] {
  const keys = new Set([...(a?.map.keys() ?? []), ...(b?.map.keys() ?? [])]);
  return [...keys].filter((k) => !sameObject(a?.get(k), b?.get(k)));
}

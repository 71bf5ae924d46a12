/**
 * A byte-level PDF writer for the attack corpus, independent of @kyso/pdf-sign: it writes whole
 * documents and appends incremental updates (plain objects, object streams, xref tables or xref
 * streams, or no cross-reference at all) from strings, so the attacks do not depend on the code
 * they test. It parses nothing but the last trailer (by regular expression) and plain
 * `N G obj ... endobj` definitions.
 */

export const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);
export const text = (b: Uint8Array, start = 0, end = b.length): string =>
  Buffer.from(b.buffer, b.byteOffset + start, Math.max(0, Math.min(end, b.length) - start)).toString(
    'latin1',
  );

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A stream object body (dictionary entries without << >>, and the data). */
export function stream(entries: string, data: string | Uint8Array): Uint8Array {
  const d = typeof data === 'string' ? latin1(data) : data;
  return concat(latin1(`<< ${entries} /Length ${d.length} >>\nstream\n`), d, latin1('\nendstream'));
}

export type Body = string | Uint8Array;
const bytesOf = (b: Body) => (typeof b === 'string' ? latin1(b) : b);

export interface ObjStmSpec {
  num: number;
  objects: { num: number; body: string }[];
}

/** Body of an uncompressed object stream and the (stream, index) entry of each object. */
export function objectStream(spec: ObjStmSpec): Uint8Array {
  let header = '';
  let data = '';
  for (const o of spec.objects) {
    header += `${o.num} ${data.length} `;
    data += `${o.body}\n`;
  }
  return stream(`/Type /ObjStm /N ${spec.objects.length} /First ${header.length}`, header + data);
}

export type XrefKind = 'table' | 'stream' | 'none';

export interface TrailerInfo {
  /** Offset the last startxref names. */
  startxref: number;
  size: number;
  root: string;
  info?: string;
  id?: string;
}

/** The last trailer (table trailer or xref-stream dictionary) found through the last startxref. */
export function lastTrailer(pdf: Uint8Array): TrailerInfo {
  const tail = text(pdf, Math.max(0, pdf.length - 2048));
  const m = [...tail.matchAll(/startxref\s+(\d+)/g)].pop();
  if (!m) throw new Error('no startxref');
  const startxref = Number(m[1]);
  const at = text(pdf, startxref, startxref + 65536);
  const end = at.startsWith('xref') ? at.indexOf('startxref') : at.indexOf('stream');
  const dictText = at.slice(0, end);
  const size = Number(/\/Size\s+(\d+)/.exec(dictText)?.[1]);
  const root = /\/Root\s+(\d+\s+\d+\s+R)/.exec(dictText)?.[1];
  if (!root || !Number.isFinite(size)) throw new Error('trailer without /Root or /Size');
  const info = /\/Info\s+(\d+\s+\d+\s+R)/.exec(dictText)?.[1];
  const id = /\/ID\s*\[\s*<[0-9A-Fa-f]*>\s*<[0-9A-Fa-f]*>\s*\]/.exec(dictText)?.[0];
  return { startxref, size, root, ...(info ? { info } : {}), ...(id ? { id } : {}) };
}

/** Offset and text of the last plain definition `num 0 obj ... endobj` in the file (or undefined). */
export function lastDefinition(pdf: Uint8Array, num: number): { offset: number; body: string } | undefined {
  const all = text(pdf);
  const re = new RegExp(`(?:^|[\\r\\n\\s])(${num} 0 obj)`, 'g');
  let last: number | undefined;
  for (const m of all.matchAll(re)) last = (m.index ?? 0) + m[0].length - m[1]!.length;
  if (last === undefined) return undefined;
  const start = last + `${num} 0 obj`.length;
  const end = all.indexOf('endobj', start);
  return { offset: last, body: all.slice(start, end).trim() };
}

/** Object number and body of the last plain object whose dictionary holds /ByteRange. */
export function lastSignatureDict(pdf: Uint8Array): { num: number; body: string; offset: number } {
  const all = text(pdf);
  const i = all.lastIndexOf('/ByteRange');
  if (i < 0) throw new Error('no /ByteRange');
  const head = [...all.slice(0, i).matchAll(/(\d+) 0 obj/g)].pop();
  if (!head) throw new Error('no object around /ByteRange');
  const offset = head.index ?? 0;
  const start = offset + head[0].length;
  return { num: Number(head[1]), offset, body: all.slice(start, all.indexOf('endobj', start)).trim() };
}

export interface UpdateSpec {
  /** Plain objects written in the update. */
  objects?: { num: number; body: Body }[];
  /** Object streams written in the update (their objects get type-2 entries). */
  objStms?: ObjStmSpec[];
  /** Objects marked free (next generation 1). */
  frees?: number[];
  /** Entries pointing at bytes already in the file (shadow attacks): num -> offset. */
  redirects?: { num: number; offset: number }[];
  xref: XrefKind;
  /** Trailer /Root override (e.g. "35 0 R"). */
  root?: string;
  /** startxref value override (default: the new xref's offset). */
  startxref?: number;
  /** Omit the final startxref/%%EOF too (only for xref 'none'). */
  bare?: boolean;
  /**
   * List the object streams' members in the xref (default true). False: only the stream itself
   * is listed, so the members keep their older (stream, index) entries, which now resolve to the
   * new stream's bytes.
   */
  listMembers?: boolean;
}

/**
 * Appends one incremental update to `pdf` and returns the whole new file. Sizes, /Prev and /ID
 * come from the last trailer. Object streams' members are listed in the xref stream; with an xref
 * table they are not listable, so use plain objects there.
 */
export function appendUpdate(pdf: Uint8Array, spec: UpdateSpec): Uint8Array {
  const t = lastTrailer(pdf);
  const parts: Uint8Array[] = [pdf];
  let pos = pdf.length;
  const push = (b: Uint8Array) => {
    parts.push(b);
    pos += b.length;
  };
  if (pdf[pdf.length - 1] !== 0x0a) push(latin1('\n'));
  type Entry =
    | { num: number; type: 0 }
    | { num: number; type: 1; offset: number }
    | { num: number; type: 2; stm: number; idx: number };
  const entries: Entry[] = [];
  const writeObj = (num: number, body: Body) => {
    entries.push({ num, type: 1, offset: pos });
    push(concat(latin1(`${num} 0 obj\n`), bytesOf(body), latin1('\nendobj\n')));
  };
  for (const s of spec.objStms ?? []) {
    writeObj(s.num, objectStream(s));
    if (spec.listMembers !== false)
      for (const [idx, o] of s.objects.entries()) entries.push({ num: o.num, type: 2, stm: s.num, idx });
  }
  for (const o of spec.objects ?? []) writeObj(o.num, o.body);
  for (const r of spec.redirects ?? []) entries.push({ num: r.num, type: 1, offset: r.offset });
  for (const num of spec.frees ?? []) entries.push({ num, type: 0 });
  const maxNum = Math.max(t.size - 1, ...entries.map((e) => e.num));
  const root = spec.root ?? t.root;
  const common = `/Root ${root}${t.info ? ` /Info ${t.info}` : ''}${t.id ? ` ${t.id}` : ''} /Prev ${t.startxref}`;
  if (spec.xref === 'none') {
    if (!spec.bare && spec.startxref !== undefined) push(latin1(`startxref\n${spec.startxref}\n%%EOF\n`));
    return concat(...parts);
  }
  entries.sort((a, b) => a.num - b.num);
  let xrefAt: number;
  if (spec.xref === 'table') {
    if (entries.some((e) => e.type === 2)) throw new Error('an xref table cannot list compressed objects');
    xrefAt = pos;
    let s = 'xref\n';
    for (const run of runs(entries.map((e) => e.num))) {
      s += `${run[0]} ${run.length}\n`;
      for (const n of run) {
        const e = entries.find((x) => x.num === n) as Entry & { type: 0 | 1 };
        s += e.type === 0 ? '0000000000 00001 f\r\n' : `${String(e.offset).padStart(10, '0')} 00000 n\r\n`;
      }
    }
    s += `trailer\n<< /Size ${maxNum + 1} ${common} >>\n`;
    push(latin1(s));
  } else {
    const xnum = maxNum + 1;
    xrefAt = pos;
    const all = [...entries, { num: xnum, type: 1 as const, offset: xrefAt }];
    const data = new Uint8Array(all.length * 7);
    const index: number[] = [];
    for (const run of runs(all.map((e) => e.num))) index.push(run[0]!, run.length);
    all.forEach((e, i) => {
      const o = i * 7;
      data[o] = e.type;
      const v = e.type === 1 ? e.offset : e.type === 2 ? e.stm : 0;
      data[o + 1] = (v >>> 24) & 0xff;
      data[o + 2] = (v >>> 16) & 0xff;
      data[o + 3] = (v >>> 8) & 0xff;
      data[o + 4] = v & 0xff;
      const g = e.type === 1 ? 0 : e.type === 2 ? e.idx : 1;
      data[o + 5] = (g >>> 8) & 0xff;
      data[o + 6] = g & 0xff;
    });
    push(
      concat(
        latin1(`${xnum} 0 obj\n`),
        stream(`/Type /XRef /Size ${xnum + 1} /W [1 4 2] /Index [${index.join(' ')}] ${common}`, data),
        latin1('\nendobj\n'),
      ),
    );
  }
  push(latin1(`startxref\n${spec.startxref ?? xrefAt}\n%%EOF\n`));
  return concat(...parts);
}

function runs(nums: number[]): number[][] {
  const out: number[][] = [];
  for (const n of nums) {
    const last = out[out.length - 1];
    if (last && last[last.length - 1] === n - 1) last.push(n);
    else out.push([n]);
  }
  return out;
}

/**
 * A complete one-revision file: `objects` written plainly in order, or (xref 'stream') the
 * `compressed` ones inside object stream `objStmNum`. `skew` moves one object's xref offset.
 */
export function writeDocument(opts: {
  xref: 'table' | 'stream';
  objects: { num: number; body: Body }[];
  compressed?: { num: number; body: string }[];
  objStmNum?: number;
  root: string;
  id: string;
  skew?: { num: number; delta: number };
  /** Smallest /Size (so numbers referenced but never defined are in range, as free entries). */
  minSize?: number;
}): Uint8Array {
  const parts: Uint8Array[] = [];
  let pos = 0;
  const push = (b: Uint8Array) => {
    parts.push(b);
    pos += b.length;
  };
  push(latin1('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n'));
  const offsets = new Map<number, number>();
  const compressedIdx = new Map<number, number>();
  const writeObj = (num: number, body: Body) => {
    offsets.set(num, pos + (opts.skew?.num === num ? opts.skew.delta : 0));
    push(concat(latin1(`${num} 0 obj\n`), bytesOf(body), latin1('\nendobj\n')));
  };
  for (const o of opts.objects) writeObj(o.num, o.body);
  if (opts.xref === 'stream' && opts.compressed?.length) {
    const stm = opts.objStmNum ?? 100;
    writeObj(stm, objectStream({ num: stm, objects: opts.compressed }));
    for (const [i, o] of opts.compressed.entries()) compressedIdx.set(o.num, i);
  } else {
    for (const o of opts.compressed ?? []) writeObj(o.num, o.body);
  }
  const nums = [...offsets.keys(), ...compressedIdx.keys()];
  const size = Math.max(opts.minSize ?? 0, Math.max(...nums) + 1 + (opts.xref === 'stream' ? 1 : 0));
  const trailer = `/Root ${opts.root} /ID [<${opts.id}> <${opts.id}>]`;
  const xrefAt = pos;
  if (opts.xref === 'table') {
    let s = `xref\n0 ${size}\n0000000000 65535 f\r\n`;
    for (let n = 1; n < size; n++) {
      const o = offsets.get(n);
      s += o === undefined ? '0000000000 00000 f\r\n' : `${String(o).padStart(10, '0')} 00000 n\r\n`;
    }
    push(latin1(`${s}trailer\n<< /Size ${size} ${trailer} >>\n`));
  } else {
    const xnum = size - 1;
    offsets.set(xnum, xrefAt);
    const data = new Uint8Array(size * 7);
    for (let n = 0; n < size; n++) {
      const o = n * 7;
      const off = offsets.get(n);
      const ci = compressedIdx.get(n);
      if (off !== undefined) {
        data[o] = 1;
        data[o + 1] = (off >>> 24) & 0xff;
        data[o + 2] = (off >>> 16) & 0xff;
        data[o + 3] = (off >>> 8) & 0xff;
        data[o + 4] = off & 0xff;
      } else if (ci !== undefined) {
        const stm = opts.objStmNum ?? 100;
        data[o] = 2;
        data[o + 3] = (stm >>> 8) & 0xff;
        data[o + 4] = stm & 0xff;
        data[o + 5] = (ci >>> 8) & 0xff;
        data[o + 6] = ci & 0xff;
      } else if (n === 0) {
        data[o + 5] = 0xff;
        data[o + 6] = 0xff;
      }
    }
    push(
      concat(
        latin1(`${xnum} 0 obj\n`),
        stream(`/Type /XRef /Size ${size} /W [1 4 2] ${trailer}`, data),
        latin1('\nendobj\n'),
      ),
    );
  }
  push(latin1(`startxref\n${xrefAt}\n%%EOF\n`));
  return concat(...parts);
}

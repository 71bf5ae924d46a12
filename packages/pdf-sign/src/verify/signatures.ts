/**
 * Signature discovery and the parsed-revision model the full verifier builds on: every signature
 * field's dictionary with its ByteRange, the exact byte span of its /Contents string, and the
 * revision whose end it covers. A reader "as of" a revision is `PdfReader.open(sliceSource(source, revision.end))`.
 */
import { berElementLength } from '@kyso/pki-core';
import { PdfDict, PdfString } from '../pdf/objects.js';
import type { PdfReader, PdfRevision } from '../pdf/reader.js';
import type { ByteSource } from '../pdf/source.js';
import { signatureFields } from '../sign/fields.js';

/**
 * A signature (or document time-stamp) as found in the document by `findSignatures`: its signature
 * dictionary's entries (ISO 32000-2 §12.8.1) and the CMS from /Contents, not yet verified.
 */
export interface PdfSignatureInfo {
  /** Fully qualified name of the signature field. */
  fieldName: string;
  /** 'doc-timestamp' for /Type /DocTimeStamp or SubFilter ETSI.RFC3161. */
  kind: 'signature' | 'doc-timestamp';
  /** /SubFilter (e.g. `ETSI.CAdES.detached`). */
  subFilter?: string;
  /** /Filter (e.g. `Adobe.PPKLite`). */
  filter?: string;
  /** /ByteRange as found (validated by the verifier, not here). */
  byteRange?: number[];
  /**
   * /Contents bytes trimmed to the length of the CMS element (DER, or BER with indefinite lengths:
   * the end is found by walking to the matching end-of-contents), zero padding removed. When the
   * element's end cannot be found the whole string is kept (and fails to parse later).
   */
  contents: Uint8Array;
  /** Offset (in the decoded /Contents) of a non-zero byte after the CMS element, if any: refused. */
  trailingDataAt?: number;
  /** /Contents token span in the file [start, end) including < >, when it is a direct string. */
  contentsSpan?: readonly [number, number];
  /** Object number of the signature dictionary. */
  objectNumber?: number;
  /** /M as written (PDF date string). */
  m?: string;
  /** /Reason. */
  reason?: string;
  /** /Location. */
  location?: string;
  /** /ContactInfo. */
  contactInfo?: string;
  /** /Name. */
  name?: string;
  /** DocMDP P when this is the certification signature. */
  docMdp?: number;
}

/**
 * Length of the CMS element at the start of a /Contents string: DER or BER (indefinite lengths
 * walked to their end-of-contents, bounded by pki-core's BER limits); undefined for garbage.
 */
export function cmsElementLength(b: Uint8Array): number | undefined {
  try {
    return berElementLength(b);
  } catch {
    return undefined;
  }
}

/** Length of a DER/BER TLV from its header (undefined for indefinite length or garbage). */
export function tlvLength(b: Uint8Array): number | undefined {
  if (b.length < 2) return undefined;
  const l = b[1]!;
  if (l < 0x80) return 2 + l;
  const n = l & 0x7f;
  if (n === 0 || n > 4 || b.length < 2 + n) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[2 + i]!;
  return 2 + n + len;
}

/**
 * The signed signature fields of the document (those whose /V is a signature dictionary), in field
 * order, with /Contents trimmed to the CMS element and the DocMDP permission of the certification
 * signature. Throws `PdfError` `PDF_MALFORMED` / `PDF_LIMIT` as `signatureFields` does.
 */
export function findSignatures(r: PdfReader): PdfSignatureInfo[] {
  const out: PdfSignatureInfo[] = [];
  const perms = r.dict(r.catalog().get('Perms'));
  const docMdpRef = perms?.get('DocMDP');
  for (const f of signatureFields(r)) {
    if (!f.value) continue;
    const sd = r.dict(f.value);
    if (!sd) continue;
    const c = r.resolve(sd.get('Contents'));
    const raw = c instanceof PdfString ? c.bytes : new Uint8Array(0);
    const len = cmsElementLength(raw);
    const contents = len !== undefined && len <= raw.length ? raw.subarray(0, len) : raw;
    let trailingDataAt: number | undefined;
    if (len !== undefined)
      for (let i = len; i < raw.length; i++)
        if (raw[i] !== 0) {
          trailingDataAt = i;
          break;
        }
    const br = r.array(sd.get('ByteRange'));
    const subFilter = sd.name('SubFilter');
    const info: PdfSignatureInfo = {
      fieldName: f.name,
      kind:
        sd.name('Type') === 'DocTimeStamp' || subFilter === 'ETSI.RFC3161' ? 'doc-timestamp' : 'signature',
      contents,
    };
    if (trailingDataAt !== undefined) info.trailingDataAt = trailingDataAt;
    if (subFilter) info.subFilter = subFilter;
    const filter = sd.name('Filter');
    if (filter) info.filter = filter;
    if (br) info.byteRange = br.map((x) => (typeof x === 'number' ? x : Number.NaN));
    // The span is only meaningful when /Contents is written directly in the dictionary.
    if (
      c instanceof PdfString &&
      c.span &&
      !(sd.get('Contents') instanceof Object && 'num' in (sd.get('Contents') as object))
    ) {
      info.contentsSpan = c.span;
    }
    if (f.value && 'num' in f.value) info.objectNumber = (f.value as { num: number }).num;
    const s = (k: string) => {
      const v = r.resolve(sd.get(k));
      return v instanceof PdfString ? v.text() : undefined;
    };
    const m = s('M');
    if (m !== undefined) info.m = m;
    for (const k of ['Reason', 'Location', 'ContactInfo', 'Name'] as const) {
      const v = s(k);
      if (v !== undefined)
        info[(k.charAt(0).toLowerCase() + k.slice(1)) as 'reason' | 'location' | 'contactInfo' | 'name'] = v;
    }
    if (
      docMdpRef &&
      'num' in (docMdpRef as object) &&
      info.objectNumber === (docMdpRef as { num: number }).num
    ) {
      for (const ref of r.array(sd.get('Reference')) ?? []) {
        const rd = r.dict(ref);
        if (rd?.name('TransformMethod') === 'DocMDP') {
          const p = r.dict(rd.get('TransformParams'))?.get('P');
          info.docMdp = typeof p === 'number' ? p : 2;
        }
      }
    }
    out.push(info);
  }
  // Order by position in the file (ByteRange end), oldest first.
  return out.sort((a, b) => (a.byteRange?.[2] ?? 0) - (b.byteRange?.[2] ?? 0));
}

/** The revision whose end equals `end` (with or without the end-of-line after %%EOF). */
export function revisionEndingAt(
  revisions: PdfRevision[],
  document: Uint8Array | ByteSource,
  end: number,
): PdfRevision | undefined {
  const at = (i: number): number | undefined =>
    document instanceof Uint8Array ? document[i] : i < 0 ? undefined : document.read(i, 1)[0];
  return revisions.find((rv) => {
    if (rv.end === end) return true;
    let e = rv.end;
    if (at(e - 1) === 0x0a) e--;
    if (at(e - 1) === 0x0d) e--;
    return e === end;
  });
}

export { PdfDict };

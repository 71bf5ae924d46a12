/** AcroForm signature fields: lookup (fully qualified names, cycle-safe) and DocMDP state. */
import { PdfDict, PdfError, PdfRef, PdfString } from '../pdf/objects.js';
import type { PdfReader } from '../pdf/reader.js';

/** Deepest field tree walked. */
export const MAX_FIELD_DEPTH = 32;
/** Most fields visited. */
export const MAX_FIELDS = 100_000;

/** A terminal AcroForm field (ISO 32000-1 §12.7.3) as found by `listFields`. */
export interface FieldInfo {
  /** The field's object reference. */
  ref: PdfRef;
  /** The field dictionary (merged with its widget when the field has a single widget). */
  dict: PdfDict;
  /** Fully qualified name (parent.child). */
  name: string;
  /** Field type, inherited (/FT). */
  type?: string;
  /** Widget annotation references (the field itself when merged). */
  widgets: PdfRef[];
  /** /V as found (a reference to the signature dictionary for signed signature fields). */
  value?: PdfRef | PdfDict;
}

/**
 * The terminal fields of the document's AcroForm (ISO 32000-1 §12.7.3.1: the /Fields tree walked
 * through /Kids, names joined with `.`, /FT inherited), in tree order. A document without /AcroForm
 * has none. Throws `PdfError` `PDF_MALFORMED` for a circular tree and `PDF_LIMIT` beyond
 * `MAX_FIELD_DEPTH` levels or `MAX_FIELDS` fields.
 */
export function listFields(r: PdfReader): FieldInfo[] {
  const acro = r.dict(r.catalog().get('AcroForm'));
  if (!acro) return [];
  const out: FieldInfo[] = [];
  const seen = new Set<number>();
  const walk = (node: unknown, parentName: string, parentFt: string | undefined, depth: number): void => {
    if (!(node instanceof PdfRef)) return;
    if (seen.has(node.num)) throw new PdfError('PDF_MALFORMED', 'circular form tree');
    if (depth > MAX_FIELD_DEPTH || seen.size > MAX_FIELDS)
      throw new PdfError('PDF_LIMIT', 'form tree too large');
    seen.add(node.num);
    const d = r.dict(node);
    if (!d) return;
    const t = r.resolve(d.get('T'));
    const partial = t instanceof PdfString ? t.text() : undefined;
    const name = partial === undefined ? parentName : parentName ? `${parentName}.${partial}` : partial;
    const ft = r.resolve(d.get('FT'));
    const type = ft && typeof ft === 'object' && 'name' in ft ? (ft as { name: string }).name : parentFt;
    const kids = r.array(d.get('Kids')) ?? [];
    const kidFields = kids.filter((k) => {
      const kd = r.dict(k);
      return kd !== undefined && kd.has('T');
    });
    if (partial !== undefined && kidFields.length === 0) {
      const widgets: PdfRef[] = [];
      if (d.name('Subtype') === 'Widget' || d.has('Rect')) widgets.push(node);
      for (const k of kids) if (k instanceof PdfRef) widgets.push(k);
      const v = d.get('V');
      const info: FieldInfo = { ref: node, dict: d, name, widgets };
      if (type !== undefined) info.type = type;
      if (v instanceof PdfRef || v instanceof PdfDict) info.value = v;
      out.push(info);
    }
    for (const k of kidFields) walk(k, name, type, depth + 1);
  };
  for (const f of r.array(acro.get('Fields')) ?? []) walk(f, '', undefined, 0);
  return out;
}

/**
 * The signature fields (/FT /Sig, ISO 32000-2 §12.7.5.5), signed or not: a signed one has `value`
 * (its signature dictionary). Same errors as `listFields`.
 */
export function signatureFields(r: PdfReader): FieldInfo[] {
  return listFields(r).filter((f) => f.type === 'Sig');
}

/** The DocMDP permission level of a certified document (1, 2 or 3), or undefined. */
export function docMdpPermission(r: PdfReader): number | undefined {
  const perms = r.dict(r.catalog().get('Perms'));
  const sig = perms && r.dict(perms.get('DocMDP'));
  if (!sig) return undefined;
  for (const ref of r.array(sig.get('Reference')) ?? []) {
    const rd = r.dict(ref);
    if (rd?.name('TransformMethod') !== 'DocMDP') continue;
    const p = r.dict(rd.get('TransformParams'))?.get('P');
    return typeof p === 'number' ? p : 2;
  }
  return 2;
}

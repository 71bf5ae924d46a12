/**
 * Overlay rule. Overlays: each displayed annotation or widget that the revision added or changed (its
 * dictionary, its appearance, its state) is compared with what the signed page draws (text,
 * images, forms: overlay.ts) and with the signed page's other annotations. Lying over them is
 * OVERLAYS_SIGNED_CONTENT, at the level of the change itself and INDETERMINATE: the change may be
 * allowed, but a reader may no longer see what was signed. Named only (VALID) for a signature
 * made in the same revision in an empty field the signed revision had reserved there, or whose
 * appearance lies over earlier signatures' appearances only (not over the page content).
 */
import { type PdfDict, PdfRef, PdfString } from '../../../pdf/objects.js';
import type { ChangeContext } from '../context.js';
import { type Box, annotRects, overlaps, pageMarks } from '../overlay.js';
import type { ChangeRule } from '../rule.js';
import { arrayOf, dictOf, refNums, resolveOf, sameObject, treeObjects } from '../objects.js';

/**
 * Overlay rule (run last): an annotation or widget added or changed that lies over what the signed
 * page draws or over its other annotations is OVERLAYS_SIGNED_CONTENT, INDETERMINATE: the change may
 * be allowed, but a reader may no longer see what was signed.
 */
export const overlayRule: ChangeRule = {
  name: 'overlayRule',
  codes: ['OVERLAYS_SIGNED_CONTENT'],
  apply(a: ChangeContext): void {
    const { oldR, newR } = a;
    const s = a.state;
    if (!s) return;
    const { oldPages, newPages, newSigWidgets } = s;
    const touched = new Set([...a.overwritten, ...a.added]);
    newPages.forEach((p, i) => {
      const oldPage = oldPages.find((o) => o.num === p.num);
      if (!oldPage) return; // a new or replaced page is reported as such
      const oldAnnots = new Set(refNums(arrayOf(oldR, dictOf(oldR, oldPage)?.get('Annots'))));
      const candidates: [number, Box, PdfDict][] = [];
      for (const [n, rect] of annotRects(newR, p)) {
        const ad = dictOf(newR, new PdfRef(n, 0));
        if (!ad) continue;
        const isWidget = ad.name('Subtype') === 'Widget';
        if (isWidget && !ad.has('AP')) continue; // a widget without appearance shows nothing
        let changed = !oldAnnots.has(n) || touched.has(n);
        if (!changed) {
          const od = dictOf(oldR, new PdfRef(n, 0));
          changed = !sameObject(od?.get('AS'), ad.get('AS')) || !sameObject(od?.get('AP'), ad.get('AP'));
          if (!changed) for (const x of treeObjects(newR, ad.get('AP'))) if (touched.has(x)) changed = true;
        }
        if (changed) candidates.push([n, rect, ad]);
      }
      if (candidates.length === 0) return;
      const marks = pageMarks(oldR, oldPage);
      const signedAnnots = annotRects(oldR, oldPage);
      for (const [n, rect, ad] of candidates) {
        const sub0 = ad.name('Subtype');
        // Widgets are held against text, images and forms; other annotations also against filled
        // paths (a seal drawn as vector graphics), see overlay.ts.
        const overContent =
          marks.boxes.some((b) => overlaps(rect, b)) ||
          (sub0 !== 'Widget' && marks.fills.some((b) => overlaps(rect, b)));
        const overAnnot = [...signedAnnots].find(([m, b]) => m !== n && overlaps(rect, b));
        if (!overContent && !overAnnot) continue;
        const sub = ad.name('Subtype') ?? 'unknown';
        const t = resolveOf(newR, ad.get('T'));
        const name = t instanceof PdfString ? ` ('${t.text()}')` : '';
        // An empty signature field the signed revision already placed there (for the description).
        const od = dictOf(oldR, new PdfRef(n, 0));
        const reserved =
          od !== undefined &&
          sameObject(od.get('Rect'), ad.get('Rect')) &&
          (od.name('FT') ?? dictOf(oldR, od.get('Parent'))?.name('FT')) === 'Sig' &&
          !od.has('V') &&
          !dictOf(oldR, od.get('Parent'))?.has('V');
        // A signature made in this revision (an unsigned signature field — the Sneaky Signature
        // Attack —, an annotation or a filled form field has no identified author).
        const signedNow =
          newSigWidgets.has(n) && (ad.has('V') || dictOf(newR, ad.get('Parent'))?.has('V') === true);
        // Named but not doubtful (Decree 30/2020 layouts, each signature reported with its own
        // appearance): a signature made now in a field the signed revision reserved at that place,
        // or a later signer's visible signature over an earlier signature's appearance only (the
        // agency seal over the official's signature image), not over the page content.
        const overSignatureOnly =
          !overContent &&
          signedNow &&
          isSignedSignatureWidget(newR, ad) &&
          [...signedAnnots].every(([m, b]) => m === n || !overlaps(rect, b) || isSignatureWidget(oldR, m));
        const notice = signedNow && (reserved || overSignatureOnly);
        a.add(
          sub === 'Widget' ? 'FORM_FILLING' : 'ANNOTATIONS',
          'OVERLAYS_SIGNED_CONTENT',
          `page ${i + 1}: /${sub} annotation ${n}${name} at [${rect.map((x) => Math.round(x)).join(' ')}] lies over ${overContent ? (marks.complete ? 'text or images the signed page draws' : 'the signed page (its content could not be fully analysed)') : `signed annotation ${overAnnot![0]}`}${reserved && signedNow ? ' (a signature field reserved there before signing, signed in this revision)' : ''}${overSignatureOnly ? " (a later signature over an earlier signature's appearance)" : ''}`,
          { page: i + 1, objects: [n], ...(notice ? {} : { indeterminate: true }) },
        );
      }
    });
  },
};

/** The field type of a widget (its own /FT or its parent field's). */
function fieldType(r: ChangeContext['newR'], d: PdfDict | undefined): string | undefined {
  if (!d) return undefined;
  return d.name('FT') ?? dictOf(r, d.get('Parent'))?.name('FT');
}

/** A signature widget whose field holds a signature value. */
function isSignedSignatureWidget(r: ChangeContext['newR'], d: PdfDict): boolean {
  if (fieldType(r, d) !== 'Sig') return false;
  return d.has('V') || dictOf(r, d.get('Parent'))?.has('V') === true;
}

/** Object n of revision r is a signature widget. */
function isSignatureWidget(r: ChangeContext['oldR'], n: number): boolean {
  const d = dictOf(r, new PdfRef(n, 0));
  return d?.name('Subtype') === 'Widget' && fieldType(r, d) === 'Sig';
}

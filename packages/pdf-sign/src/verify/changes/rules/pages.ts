/**
 * Page rule: the same pages in the same order (else PAGES_CHANGED); a page may only gain
 * annotations: another page key changed is PAGE_CHANGED, /Contents or /Resources CONTENT_CHANGED
 * (OTHER); a new non-widget annotation is ANNOTATION_ADDED, a changed one ANNOTATION_MODIFIED
 * (ANNOTATIONS); an annotation removed is ANNOTATION_REMOVED and a widget of no field
 * WIDGET_WITHOUT_FIELD (OTHER). Widgets of new fields are left to the field rule.
 */
import { PdfRef } from '../../../pdf/objects.js';
import type { ChangeContext } from '../context.js';
import type { ChangeRule } from '../rule.js';
import { arrayOf, dictOf, keyDiff, refNums } from '../objects.js';

/**
 * Page rule: the same pages in the same order (else PAGES_CHANGED); a page may only gain annotations:
 * a non-widget annotation added or changed is ANNOTATION_ADDED / ANNOTATION_MODIFIED (ANNOTATIONS);
 * /Contents or /Resources changed (CONTENT_CHANGED), another page key (PAGE_CHANGED), an annotation
 * removed (ANNOTATION_REMOVED) or a widget of no field (WIDGET_WITHOUT_FIELD) are OTHER.
 */
export const pagesRule: ChangeRule = {
  name: 'pagesRule',
  codes: [
    'PAGES_CHANGED',
    'PAGE_CHANGED',
    'CONTENT_CHANGED',
    'ANNOTATION_ADDED',
    'ANNOTATION_MODIFIED',
    'ANNOTATION_REMOVED',
    'WIDGET_WITHOUT_FIELD',
  ],
  apply(a: ChangeContext): void {
    const { oldR, newR } = a;
    const s = a.state;
    if (!s) return;
    const { oldPages, newPages, newSigWidgets, newFieldWidgets } = s;
    // Pages: the same pages in the same order; a page may only gain annotations.
    const oldNums = oldPages.map((p) => p.num);
    const newNums = newPages.map((p) => p.num);
    if (oldNums.length !== newNums.length || oldNums.some((n, i) => n !== newNums[i])) {
      a.add(
        'OTHER',
        'PAGES_CHANGED',
        newNums.length > oldNums.length
          ? `${newNums.length - oldNums.length} page(s) added`
          : newNums.length < oldNums.length
            ? `${oldNums.length - newNums.length} page(s) removed`
            : 'pages replaced or reordered',
      );
    }
    newPages.forEach((p, i) => {
      if (!oldNums.includes(p.num)) return;
      const od = dictOf(oldR, p);
      const nd = dictOf(newR, p);
      a.explain(p.num);
      for (const k of keyDiff(od, nd)) {
        if (k === 'Annots') continue;
        a.add(
          'OTHER',
          k === 'Contents' || k === 'Resources' ? 'CONTENT_CHANGED' : 'PAGE_CHANGED',
          `page ${i + 1}: /${k} ${od?.has(k) ? (nd?.has(k) ? 'changed' : 'removed') : 'added'}`,
          { page: i + 1, objects: [p.num] },
        );
      }
      const oav = od?.get('Annots');
      const nav = nd?.get('Annots');
      if (nav instanceof PdfRef) a.explain(nav.num, new Set([`${p.num}/Annots`]));
      const oldAnn = refNums(arrayOf(oldR, oav));
      const newAnn = refNums(arrayOf(newR, nav));
      const annotsHolder = new Set([`${p.num}/Annots`, ...(oav instanceof PdfRef ? [String(oav.num)] : [])]);
      for (const n of oldAnn)
        if (!newAnn.includes(n))
          a.add('OTHER', 'ANNOTATION_REMOVED', `page ${i + 1}: annotation object ${n} removed`, {
            page: i + 1,
          });
      for (const n of newAnn) {
        const ad = dictOf(newR, new PdfRef(n, 0));
        const sub = ad?.name('Subtype') ?? 'unknown';
        if (!oldAnn.includes(n)) {
          if (newSigWidgets.has(n)) continue;
          if (sub === 'Widget') {
            if (newFieldWidgets.has(n)) continue; // a new non-signature field: reported with the field
            a.add(
              'OTHER',
              'WIDGET_WITHOUT_FIELD',
              `page ${i + 1}: widget annotation ${n} added outside the form`,
              {
                page: i + 1,
                objects: [n],
              },
            );
          } else {
            a.add('ANNOTATIONS', 'ANNOTATION_ADDED', `page ${i + 1}: /${sub} annotation added`, {
              page: i + 1,
              objects: [n],
            });
          }
          a.explain(n, annotsHolder);
          a.explainTree(ad?.get('AP'), new Set([`${n}/AP`]));
        } else if (!newFieldWidgets.has(n)) {
          const changed = a.pending.has(n);
          a.explain(n, annotsHolder);
          const apChanged = a.explainTree(
            ad?.get('AP'),
            new Set([`${n}/AP`]),
            dictOf(oldR, new PdfRef(n, 0))?.get('AP'),
          );
          if (changed || apChanged)
            a.add('ANNOTATIONS', 'ANNOTATION_MODIFIED', `page ${i + 1}: /${sub} annotation ${n} changed`, {
              page: i + 1,
              objects: [n],
            });
        }
      }
    });
  },
};

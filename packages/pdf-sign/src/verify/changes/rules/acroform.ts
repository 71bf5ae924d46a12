/**
 * AcroForm rule: the AcroForm dictionary may be rewritten for new fields (/Fields, /SigFlags);
 * its form defaults (/DR, /DA, /Q, /NeedAppearances) may change (ACROFORM_UPDATED, FORM_FILLING),
 * and /NeedAppearances set to true is also NEED_APPEARANCES_SET (INDETERMINATE); any other key is
 * CATALOG_CHANGED (OTHER); a top-level field dropped from /Fields is FIELD_REMOVED (OTHER).
 */
import { PdfRef } from '../../../pdf/objects.js';
import type { ChangeContext } from '../context.js';
import type { ChangeRule } from '../rule.js';
import { arrayOf, ids, keyDiff, refNums, resolveOf } from '../objects.js';

const ACROFORM_FORM_KEYS = new Set(['DR', 'DA', 'Q', 'NeedAppearances']);

/**
 * AcroForm rule: /Fields and /SigFlags may change for new fields, the form defaults (/DR, /DA, /Q,
 * /NeedAppearances) are ACROFORM_UPDATED (FORM_FILLING; /NeedAppearances true also
 * NEED_APPEARANCES_SET, INDETERMINATE); another key is CATALOG_CHANGED and a top-level field dropped
 * is FIELD_REMOVED (OTHER).
 */
export const acroFormRule: ChangeRule = {
  name: 'acroFormRule',
  codes: ['ACROFORM_UPDATED', 'NEED_APPEARANCES_SET', 'CATALOG_CHANGED', 'FIELD_REMOVED'],
  apply(a: ChangeContext): void {
    const { oldR, newR } = a;
    const s = a.state;
    if (!s) return;
    const { catNum, oldAcroV, newAcroV, oldAcro, newAcro, formStructure } = s;
    const acroHolder = new Set([`${catNum}/AcroForm`]);
    if (oldAcroV instanceof PdfRef && newAcroV instanceof PdfRef && oldAcroV.num === newAcroV.num)
      a.explain(oldAcroV.num, acroHolder);
    else if (newAcroV instanceof PdfRef && a.pending.has(newAcroV.num)) a.explain(newAcroV.num, acroHolder);
    for (const k of keyDiff(oldAcro, newAcro)) {
      if (k === 'Fields' || k === 'SigFlags') continue;
      if (ACROFORM_FORM_KEYS.has(k)) {
        const acroNum = newAcroV instanceof PdfRef ? newAcroV.num : catNum;
        a.explainTree(newAcro?.get(k), new Set([`${acroNum}/${k}`, `${catNum}/AcroForm`]), oldAcro?.get(k));
        a.add('FORM_FILLING', 'ACROFORM_UPDATED', `form defaults (/AcroForm /${k}) updated`);
        if (k === 'NeedAppearances' && resolveOf(newR, newAcro?.get(k)) === true)
          a.add(
            'FORM_FILLING',
            'NEED_APPEARANCES_SET',
            '/NeedAppearances set to true after signing: viewers redraw the fields, what they show is not what was signed',
            { indeterminate: true },
          );
      } else a.add('OTHER', 'CATALOG_CHANGED', `/AcroForm /${k} changed`);
    }
    const of = oldAcro?.get('Fields');
    const nf = newAcro?.get('Fields');
    if (nf instanceof PdfRef) a.explain(nf.num, new Set([...ids(formStructure), `${catNum}/AcroForm`]));
    const oldTop = new Set(refNums(arrayOf(oldR, of)));
    const newTop = new Set(refNums(arrayOf(newR, nf)));
    for (const n of oldTop)
      if (!newTop.has(n)) a.add('OTHER', 'FIELD_REMOVED', `form field object ${n} removed from /AcroForm`);
  },
};

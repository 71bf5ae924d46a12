/**
 * Field rule: a new signature field (SIGNATURE_ADDED) or the signing of an empty one
 * (SIGNATURE_FIELD_SIGNED), FORM_FILLING; a document time-stamp (DOC_TIMESTAMP_ADDED), LTA_UPDATES,
 * with or without a widget appearance; filling a non-signature field (FORM_FIELD_FILLED: /V, /AP,
 * /AS of the field and its widgets), or its appearance changed without its value
 * (FIELD_APPEARANCE_CHANGED, INDETERMINATE), a state switched to an appearance prepared before
 * signing (PREPARED_APPEARANCE_SELECTED); other keys (FIELD_CHANGED), a signed field changed
 * (SIGNED_FIELD_CHANGED), a non-signature field added (FIELD_ADDED) or a field removed
 * (FIELD_REMOVED) are OTHER. A replaced appearance's own objects must not be shared
 * (SHARED_OBJECT_OVERWRITTEN).
 */
import { type PdfDict, PdfName, PdfRef } from '../../../pdf/objects.js';
import type { ModificationLevel } from '../types.js';
import type { ChangeContext } from '../context.js';
import type { ChangeRule } from '../rule.js';
import { appearanceObjects, dictOf, ids, keyDiff, refNum, sameObject, treeObjects } from '../objects.js';

/** Keys of a signature field / widget that signing an empty field may set. */
const SIG_FIELD_KEYS = new Set(['V', 'AP', 'AS', 'Rect', 'F', 'Lock', 'MK', 'DA', 'SV', 'Kids']);
/** Keys of a form field / widget that filling it may change. */
const FILL_KEYS = new Set(['V', 'AP', 'AS', 'Kids']);

/**
 * Field rule: a new signature field (SIGNATURE_ADDED) or an empty one signed (SIGNATURE_FIELD_SIGNED)
 * and a non-signature field filled (FORM_FIELD_FILLED) are FORM_FILLING; a document time-stamp
 * (DOC_TIMESTAMP_ADDED) is LTA_UPDATES; an appearance changed without the value is
 * FIELD_APPEARANCE_CHANGED (INDETERMINATE); other field changes (FIELD_CHANGED, SIGNED_FIELD_CHANGED,
 * FIELD_ADDED, FIELD_REMOVED) are OTHER. It records the changed fields, which the verifier checks
 * against FieldMDP locks.
 */
export const fieldsRule: ChangeRule = {
  name: 'fieldsRule',
  codes: [
    'SIGNATURE_ADDED',
    'SIGNATURE_FIELD_SIGNED',
    'DOC_TIMESTAMP_ADDED',
    'FORM_FIELD_FILLED',
    'FIELD_APPEARANCE_CHANGED',
    'PREPARED_APPEARANCE_SELECTED',
    'FIELD_CHANGED',
    'SIGNED_FIELD_CHANGED',
    'FIELD_ADDED',
    'FIELD_REMOVED',
    'SHARED_OBJECT_OVERWRITTEN',
  ],
  apply(a: ChangeContext): void {
    const { oldR, newR } = a;
    const s = a.state;
    if (!s) return;
    const { catNum, oldFields, newFields, formStructure } = s;
    const oldByNum = new Map(oldFields.map((f) => [f.ref.num, f]));
    for (const f of newFields) {
      const old = oldByNum.get(f.ref.num);
      const sigDict = f.type === 'Sig' ? dictOf(newR, f.value) : undefined;
      const isDts = sigDict?.name('Type') === 'DocTimeStamp' || sigDict?.name('SubFilter') === 'ETSI.RFC3161';
      const sigLevel: ModificationLevel = isDts ? 'LTA_UPDATES' : 'FORM_FILLING';
      const structAllowed = ids([...formStructure, f.ref.num, ...f.widgets.map((w) => w.num)]);
      structAllowed.add(`${catNum}/AcroForm`);
      if (!old) {
        a.explain(f.ref.num, structAllowed);
        for (const w of f.widgets) a.explain(w.num, structAllowed);
        if (f.type === 'Sig') {
          if (f.value instanceof PdfRef) a.explain(f.value.num, new Set([`${f.ref.num}/V`]));
          for (const w of f.widgets) a.explainTree(dictOf(newR, w)?.get('AP'), new Set([`${w.num}/AP`]));
          a.add(
            sigLevel,
            isDts ? 'DOC_TIMESTAMP_ADDED' : 'SIGNATURE_ADDED',
            isDts
              ? `document time-stamp field '${f.name}' added`
              : `signature field '${f.name}' added${f.value ? ' and signed' : ''}`,
            { field: f.name },
          );
          if (f.value) a.changedFields.push(f.name);
        } else {
          a.add('OTHER', 'FIELD_ADDED', `form field '${f.name}' (${f.type ?? 'no type'}) added`, {
            field: f.name,
          });
        }
        continue;
      }
      // Existing field: compare the field and its widgets.
      const parts: [number, PdfDict | undefined, PdfDict | undefined][] = [[f.ref.num, old.dict, f.dict]];
      for (const w of f.widgets)
        if (w.num !== f.ref.num) parts.push([w.num, dictOf(oldR, w), dictOf(newR, w)]);
      const diffKeys = new Set<string>();
      for (const [num, od, nd] of parts) {
        const touched = a.pending.has(num);
        for (const k of keyDiff(od, nd)) diffKeys.add(k);
        a.explain(num, structAllowed);
        // Appearance objects: explained when referred to only from this widget's earlier appearance.
        const apChanged = a.explainTree(nd?.get('AP'), new Set([`${num}/AP`]), od?.get('AP'));
        if (apChanged || !sameObject(od?.get('AP'), nd?.get('AP'))) {
          // The earlier appearance is replaced. Its appearance objects proper (an indirect /AP
          // dictionary, the /N /R /D streams and state dictionaries) must not be used by anything
          // else (pyHanko's rule), nor may any object below them that this revision overwrites;
          // resources left as they were (the /DR font the page also draws with) may be shared.
          const oldAp = od?.get('AP');
          const tree = treeObjects(oldR, oldAp);
          const proper = appearanceObjects(oldR, oldAp);
          const inside = new Set([`${num}/AP`, ...ids(tree)]);
          for (const n of tree)
            if (proper.has(n) || a.overwritten.has(n))
              a.checkShared(n, inside, 'belonged to a replaced appearance');
        }
        if (apChanged || touched) diffKeys.add(apChanged ? 'AP' : '');
      }
      diffKeys.delete('');
      if (f.value instanceof PdfRef && a.pending.has(f.value.num)) {
        // A field value object (a signature dictionary, a rich-text stream) redefined.
        diffKeys.add('V');
        if (f.type !== 'Sig') a.explain(f.value.num, new Set([`${f.ref.num}/V`]));
      }
      if (diffKeys.size === 0) continue;
      if (f.type === 'Sig') {
        if (old.value === undefined && f.value !== undefined) {
          const bad = [...diffKeys].filter((k) => !SIG_FIELD_KEYS.has(k));
          if (f.value instanceof PdfRef) a.explain(f.value.num, new Set([`${f.ref.num}/V`]));
          a.add(
            sigLevel,
            isDts ? 'DOC_TIMESTAMP_ADDED' : 'SIGNATURE_FIELD_SIGNED',
            isDts ? `document time-stamp in field '${f.name}'` : `empty signature field '${f.name}' signed`,
            { field: f.name },
          );
          a.changedFields.push(f.name);
          if (bad.length)
            a.add(
              'OTHER',
              'FIELD_CHANGED',
              `signature field '${f.name}': ${bad.map((k) => `/${k}`).join(', ')} changed`,
              {
                field: f.name,
              },
            );
        } else {
          a.add(
            'OTHER',
            'SIGNED_FIELD_CHANGED',
            `signature field '${f.name}' was ${old.value ? 'already signed; its ' : ''}${[...diffKeys].map((k) => `/${k}`).join(', ')} changed`,
            { field: f.name },
          );
        }
      } else {
        const bad = [...diffKeys].filter((k) => !FILL_KEYS.has(k));
        a.changedFields.push(f.name);
        if (diffKeys.has('V'))
          a.add('FORM_FILLING', 'FORM_FIELD_FILLED', `form field '${f.name}' filled in`, { field: f.name });
        else
          a.add(
            'FORM_FILLING',
            'FIELD_APPEARANCE_CHANGED',
            `form field '${f.name}': its appearance (${[...diffKeys].map((k) => `/${k}`).join(', ')}) changed but not its value (/V)`,
            { field: f.name, indeterminate: true },
          );
        // A state switched to an appearance prepared before signing (hidden when signed).
        for (const [num, od, nd] of parts) {
          const before = od?.get('AS');
          const after = nd?.get('AS');
          if (!(after instanceof PdfName) || after === before) continue;
          const oldN = dictOf(oldR, dictOf(oldR, od?.get('AP'))?.get('N'));
          const newN = dictOf(newR, dictOf(newR, nd?.get('AP'))?.get('N'));
          const prepared = oldN?.get(after.name);
          if (
            prepared !== undefined &&
            sameObject(prepared, newN?.get(after.name)) &&
            !a.overwritten.has(refNum(prepared))
          )
            a.add(
              'FORM_FILLING',
              'PREPARED_APPEARANCE_SELECTED',
              `form field '${f.name}': widget ${num} switched to its /${after.name} appearance, prepared before signing and not shown when signed`,
              { field: f.name, objects: [num] },
            );
        }
        if (bad.length)
          a.add(
            'OTHER',
            'FIELD_CHANGED',
            `form field '${f.name}': ${bad.map((k) => `/${k}`).join(', ')} changed`,
            {
              field: f.name,
            },
          );
      }
    }
    const newByNum = new Set(newFields.map((f) => f.ref.num));
    for (const f of oldFields)
      if (!newByNum.has(f.ref.num))
        a.add('OTHER', 'FIELD_REMOVED', `form field '${f.name}' removed`, { field: f.name });
  },
};

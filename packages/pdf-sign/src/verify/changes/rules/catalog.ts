/**
 * Catalog rule: the catalog object may be rewritten to carry an updated /DSS (DSS_UPDATED),
 * /Metadata (METADATA_UPDATED), /Extensions or /Version (EXTENSIONS_UPDATED), all LTA_UPDATES,
 * with everything below them explained when only these structures referred to it; /AcroForm is
 * left to the AcroForm rule; any other catalog key changed is CATALOG_CHANGED (OTHER).
 */
import type { ChangeContext } from '../context.js';
import type { ChangeRule } from '../rule.js';
import { keyDiff, sameObject } from '../objects.js';

const CATALOG_LTA_KEYS = new Set(['DSS', 'Metadata', 'Extensions', 'Version']);

/**
 * Catalog rule: the catalog may change for /DSS (DSS_UPDATED), /Metadata (METADATA_UPDATED),
 * /Extensions or /Version (EXTENSIONS_UPDATED), all LTA_UPDATES (PAdES EN 319 142-1 §5.4); /AcroForm
 * is left to `acroFormRule`; any other key is CATALOG_CHANGED (OTHER).
 */
export const catalogRule: ChangeRule = {
  name: 'catalogRule',
  codes: ['CATALOG_CHANGED', 'DSS_UPDATED', 'METADATA_UPDATED', 'EXTENSIONS_UPDATED'],
  apply(a: ChangeContext): void {
    const s = a.state;
    if (!s) return;
    const { catNum, oldCat, newCat } = s;
    a.explain(catNum);
    for (const k of keyDiff(oldCat, newCat)) {
      if (k === 'AcroForm') continue;
      if (CATALOG_LTA_KEYS.has(k)) continue; // handled below
      a.add(
        'OTHER',
        'CATALOG_CHANGED',
        `catalog /${k} ${oldCat.has(k) ? (newCat.has(k) ? 'changed' : 'removed') : 'added'}`,
        { objects: [catNum] },
      );
    }
    const changedBelow = (k: string) => {
      const tree = a.explainTree(newCat.get(k), new Set([`${catNum}/${k}`]), oldCat.get(k));
      return tree || !sameObject(oldCat.get(k), newCat.get(k));
    };
    if (changedBelow('DSS'))
      a.add('LTA_UPDATES', 'DSS_UPDATED', 'validation data added to the document security store (/DSS)');
    if (changedBelow('Metadata'))
      a.add('LTA_UPDATES', 'METADATA_UPDATED', 'XMP metadata (/Metadata) updated');
    if (changedBelow('Extensions'))
      a.add('LTA_UPDATES', 'EXTENSIONS_UPDATED', 'developer extensions (/Extensions) declared');
    if (!sameObject(oldCat.get('Version'), newCat.get('Version')))
      a.add('LTA_UPDATES', 'EXTENSIONS_UPDATED', 'PDF version (/Version) updated');
  },
};

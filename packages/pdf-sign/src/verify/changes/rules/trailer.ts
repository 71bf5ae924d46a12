/**
 * Trailer rule: /Info (and everything below it) may be updated (LTA_UPDATES, INFO_UPDATED); a
 * changed /Encrypt is TRAILER_CHANGED (OTHER). A replaced /Root is reported when the structure is
 * read (ChangeContext.state) and stops the analysis.
 */
import type { ChangeContext } from '../context.js';
import type { ChangeRule } from '../rule.js';
import { TRAILER, sameObject } from '../objects.js';

/**
 * Trailer rule: /Info and everything below it may be updated (INFO_UPDATED, LTA_UPDATES); a changed
 * /Encrypt is TRAILER_CHANGED (OTHER).
 */
export const trailerRule: ChangeRule = {
  name: 'trailerRule',
  codes: ['TRAILER_CHANGED', 'INFO_UPDATED'],
  apply(a: ChangeContext): void {
    const { oldR, newR } = a;
    if (!a.state) return;
    if (!sameObject(oldR.trailer.get('Encrypt'), newR.trailer.get('Encrypt')))
      a.add('OTHER', 'TRAILER_CHANGED', 'the encryption dictionary changed');
    const infoTree = a.explainTree(
      newR.trailer.get('Info'),
      new Set([`${TRAILER}/Info`]),
      oldR.trailer.get('Info'),
    );
    if (infoTree || !sameObject(oldR.trailer.get('Info'), newR.trailer.get('Info')))
      a.add('LTA_UPDATES', 'INFO_UPDATED', 'document information (/Info) updated');
  },
};

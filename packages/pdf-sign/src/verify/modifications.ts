/**
 * Modification analysis of incremental updates (pyHanko-style difference analysis, kyso rules).
 *
 * Each revision after the first is compared with the one before it, as a viewer loads them: every
 * object reachable from the earlier revision's trailer (through every key, /P and /Parent
 * included) is resolved through each revision's own xref (object streams expanded) and compared by
 * content, whatever the update's xref declares. A reference that was dangling (undefined, free or
 * unreadable) and is defined later is DANGLING_REFERENCE_DEFINED; an object in use that is deleted
 * is OBJECT_FREED; an object whose content changed must be explained by a rule, otherwise the
 * revision is classified OTHER. Objects the update defines that were not reachable are new. Rules:
 *  - document security store (/DSS and everything below it): LTA_UPDATES;
 *  - a document time-stamp field: LTA_UPDATES; /Info, XMP /Metadata, catalog /Extensions and
 *    /Version: LTA_UPDATES;
 *  - a new signature field (field, widget, appearance, signature dictionary, AcroForm /Fields and
 *    page /Annots entries) or the signing of an existing empty one: FORM_FILLING;
 *  - filling a non-signature field (/V, /AP, /AS of the field and its widgets): FORM_FILLING;
 *  - adding or changing a non-widget annotation: ANNOTATIONS;
 *  - anything else (page content, resources, page tree, catalog keys, annotations removed,
 *    non-signature fields added, objects redefined outside these structures): OTHER.
 * An overwritten object is only explained when every object that referred to it in the earlier
 * revision belongs to the structure the rule allows to change (so an appearance stream or a DSS
 * array that is also used by a page cannot be "updated" through that rule).
 *
 * The work is bounded: at most MAX_GRAPH_OBJECTS objects are walked per revision and at most
 * MAX_ANALYSED_REVISIONS revisions are compared; beyond that the result is OTHER (not analysed),
 * so a document too large to analyse is never reported as unchanged.
 *
 * Layout: changes/objects.ts (object access, graph), changes/context.ts (the comparison the rules
 * see), changes/rules/*.ts (one rule per kind of change), changes/policy.ts (the default policy,
 * injectable), changes/overlay.ts (what a signed page draws), changes/repair.ts (what a repairing
 * viewer reads).
 */
import { PdfReader, type PdfRevision } from '../pdf/reader.js';
import { ChangeContext } from './changes/context.js';
import type { ModificationFinding, ModificationLevel } from './changes/types.js';
import { maxLevel } from './changes/types.js';
import { type ModificationPolicy, defaultModificationPolicy } from './changes/policy.js';
import { reportUnexplained } from './changes/rules/unexplained.js';
import { type PdfInput, sliceSource, toSource } from './source.js';

export {
  CHANGE_CODES,
  type ChangeCode,
  MODIFICATION_LEVELS,
  type ModificationFinding,
  type ModificationLevel,
  levelRank,
  maxLevel,
} from './changes/types.js';

/** Most revisions compared (each comparison walks the document once). */
export const MAX_ANALYSED_REVISIONS = 256;

/**
 * The modification analysis of one incremental update (ISO 32000-1 §7.5.6) against the revision before
 * it: the highest level of its changes (NONE < LTA_UPDATES < FORM_FILLING < ANNOTATIONS < OTHER, the
 * categories of ISO 32000-2 §12.8.2.2 DocMDP) and each change found.
 */
export interface RevisionDiff {
  /** The revision compared with the one before it (1 = the first incremental update). */
  revision: number;
  /** Highest level of `findings` (NONE when nothing changed). */
  level: ModificationLevel;
  /** Each change found, with its stable code. */
  findings: ModificationFinding[];
  /** Fields whose value or appearance changed (fully qualified names; FieldMDP checks them). */
  changedFields: string[];
}

/**
 * Compares revision `index` with the one before it. `input` is the document in memory or a
 * `ByteSource` (each revision is read through a reader over the source cut at its end).
 * `readers` caches a reader per revision; `policy` gives the rules (changes/policy.ts).
 */
export function diffRevision(
  input: PdfInput,
  revisions: readonly PdfRevision[],
  index: number,
  readers: Map<number, PdfReader> = new Map(),
  policy: ModificationPolicy = defaultModificationPolicy,
): RevisionDiff {
  const src = toSource(input);
  const reader = (i: number) => {
    let r = readers.get(i);
    if (!r) {
      r = PdfReader.open(sliceSource(src, revisions[i]!.end));
      readers.set(i, r);
    }
    return r;
  };
  const out: RevisionDiff = { revision: index, level: 'NONE', findings: [], changedFields: [] };
  if (index > MAX_ANALYSED_REVISIONS) {
    out.findings.push({
      revision: index,
      level: 'OTHER',
      code: 'ANALYSIS_LIMIT',
      description: `more than ${MAX_ANALYSED_REVISIONS} revisions: not analysed`,
    });
    out.level = 'OTHER';
    return out;
  }
  try {
    const a = new ChangeContext(index, reader(index - 1), reader(index), revisions[index]!);
    if (a.state) for (const rule of policy.rules) rule.apply(a);
    reportUnexplained(a);
    out.findings = a.findings;
    out.changedFields = a.changedFields;
  } catch (e) {
    out.findings.push({
      revision: index,
      level: 'OTHER',
      code: 'ANALYSIS_FAILED',
      description: `revision ${index} could not be analysed: ${(e as Error).message}`,
    });
  }
  out.level = out.findings.reduce<ModificationLevel>((m, f) => maxLevel(m, f.level), 'NONE');
  return out;
}

/** The level a DocMDP permission allows (no certification: as P=2, form filling and signing). */
export function allowedLevel(docMdp: number | undefined): ModificationLevel {
  if (docMdp === 1) return 'LTA_UPDATES';
  if (docMdp === 3) return 'ANNOTATIONS';
  return 'FORM_FILLING';
}

export { ChangeContext, type ChangeState } from './changes/context.js';
export { LAZY_STREAM, MAX_GRAPH_OBJECTS, sameObject } from './changes/objects.js';
export {
  type ChangeRule,
  DEFAULT_CHANGE_RULES,
  type ModificationPolicy,
  acroFormRule,
  catalogRule,
  defaultModificationPolicy,
  fieldsRule,
  overlayRule,
  pagesRule,
  trailerRule,
} from './changes/policy.js';

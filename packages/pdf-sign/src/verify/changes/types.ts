/**
 * The vocabulary of the change analysis (levels, change codes, findings, rules): a leaf module, so
 * that modifications.ts, the comparison context, the policy and the rules share it without
 * importing one another in a circle (rule.ts: the rule interface, over the context).
 */
export const MODIFICATION_LEVELS = ['NONE', 'LTA_UPDATES', 'FORM_FILLING', 'ANNOTATIONS', 'OTHER'] as const;
/** Ordered: NONE < LTA_UPDATES < FORM_FILLING < ANNOTATIONS < OTHER (pyHanko's ModificationLevel). */
export type ModificationLevel = (typeof MODIFICATION_LEVELS)[number];

/** Position of `l` in `MODIFICATION_LEVELS` (0 = NONE … 4 = OTHER), for comparing levels. */
export function levelRank(l: ModificationLevel): number {
  return MODIFICATION_LEVELS.indexOf(l);
}

/** The higher of two modification levels. */
export function maxLevel(a: ModificationLevel, b: ModificationLevel): ModificationLevel {
  return levelRank(a) >= levelRank(b) ? a : b;
}

/** Stable codes of the changes found after a signature. */
export const CHANGE_CODES = [
  'DSS_UPDATED',
  'DOC_TIMESTAMP_ADDED',
  'SIGNATURE_ADDED',
  'SIGNATURE_FIELD_SIGNED',
  'FORM_FIELD_FILLED',
  'METADATA_UPDATED',
  'INFO_UPDATED',
  'EXTENSIONS_UPDATED',
  'ACROFORM_UPDATED',
  'ANNOTATION_ADDED',
  'ANNOTATION_MODIFIED',
  'ANNOTATION_REMOVED',
  'WIDGET_WITHOUT_FIELD',
  'FIELD_ADDED',
  'FIELD_REMOVED',
  'FIELD_CHANGED',
  'SIGNED_FIELD_CHANGED',
  'CATALOG_CHANGED',
  'TRAILER_CHANGED',
  'PAGES_CHANGED',
  'PAGE_CHANGED',
  'CONTENT_CHANGED',
  'OBJECT_OVERWRITTEN',
  'SHARED_OBJECT_OVERWRITTEN',
  'OBJECT_FREED',
  'DANGLING_REFERENCE_DEFINED',
  'TRAILING_DATA',
  'OVERLAYS_SIGNED_CONTENT',
  'NEED_APPEARANCES_SET',
  'FIELD_APPEARANCE_CHANGED',
  'PREPARED_APPEARANCE_SELECTED',
  'XREF_CORRECTED',
  'XREF_REBUILT',
  'OBJECT_OUTSIDE_XREF',
  'ANALYSIS_LIMIT',
  'ANALYSIS_FAILED',
] as const;
/** A stable code of a change found after a signature. */
export type ChangeCode = (typeof CHANGE_CODES)[number];

/** One change found after a signature: its stable code, its level, and what it concerns. */
export interface ModificationFinding {
  /** The revision that made the change. */
  revision: number;
  /** The level of this change (what DocMDP permission allows it). */
  level: ModificationLevel;
  /** Stable code (see `CHANGE_CODES`). */
  code: ChangeCode;
  /** Human-readable description (not stable: do not script against it). */
  description: string;
  /** Objects concerned. */
  objects?: number[];
  /** Field concerned (fully qualified name). */
  field?: string;
  /** Page concerned (1-based). */
  page?: number;
  /**
   * The change is within what its level allows, but a viewer may not show what was signed: the
   * signature cannot be more than INDETERMINATE (EN 319 102-1 signature acceptance validation,
   * SIG_CONSTRAINTS_FAILURE). See docs/conformance.md, "Changes after signing".
   */
  indeterminate?: boolean;
}

/**
 * Modification rules as a policy (pyHanko's DiffPolicy, kyso's rules). A rule looks at one kind
 * of change between two revisions (ChangeContext): it explains the changed objects it allows
 * (`a.explain`, `a.explainTree`, which refuse objects also used outside the structure the rule
 * allows) and reports findings with a stable code and level (`a.add`). A policy is an ordered
 * list of rules; `defaultModificationPolicy` is kyso's, and callers may pass their own to
 * `verifyPdf` (option `modificationPolicy`), e.g. the default rules plus one that allows a
 * product's own catalog key.
 *
 * What no policy can change: the comparison itself (the resolved object graph: dangling
 * references defined later, objects freed, limits), the data a repairing viewer reads
 * (changes/repair.ts), and the last word (rules/unexplained.ts): a changed object in use that no
 * rule explained is always OTHER. A policy can explain more; it cannot hide what it does not
 * explain.
 */
import type { ChangeRule } from './rule.js';
import { acroFormRule } from './rules/acroform.js';
import { catalogRule } from './rules/catalog.js';
import { fieldsRule } from './rules/fields.js';
import { overlayRule } from './rules/overlay.js';
import { pagesRule } from './rules/pages.js';
import { trailerRule } from './rules/trailer.js';

export type { ChangeRule } from './rule.js';

/**
 * The rules `verifyPdf` uses to judge the changes made after a signature (option `modificationPolicy`).
 * A custom policy may add rules (e.g. `[...DEFAULT_CHANGE_RULES, myCatalogKeyRule]`) to explain more
 * kinds of change; what no rule explains stays OTHER, so a policy cannot hide changes.
 */
export interface ModificationPolicy {
  /** Applied in order (the overlay rule last: it looks at what the others let through). */
  readonly rules: readonly ChangeRule[];
}

/** kyso's default rules, in order. */
export const DEFAULT_CHANGE_RULES: readonly ChangeRule[] = Object.freeze([
  trailerRule,
  catalogRule,
  acroFormRule,
  fieldsRule,
  pagesRule,
  overlayRule,
]);

/**
 * kyso's policy: `DEFAULT_CHANGE_RULES` (trailer, catalog, AcroForm, fields, pages, then overlay),
 * which allows what ISO 32000-2 §12.8.2.2 DocMDP P=2 / P=3 and PAdES EN 319 142-1 §5.4 (DSS, document
 * time-stamps) intend and classifies the rest.
 */
export const defaultModificationPolicy: ModificationPolicy = Object.freeze({ rules: DEFAULT_CHANGE_RULES });

export { acroFormRule, catalogRule, fieldsRule, overlayRule, pagesRule, trailerRule };

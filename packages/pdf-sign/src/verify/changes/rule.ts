/** The interface of a change rule (changes/rules/*.ts), apart so that rules and policy import no circle. */
import type { ChangeContext } from './context.js';
import type { ChangeCode } from './types.js';

/**
 * A rule of the modification analysis: it looks at one kind of change between two revisions, marks
 * the changed objects it allows as explained (`ChangeContext.explain`, `explainTree`) and reports
 * findings with a stable code and level (`ChangeContext.add`). Rules are composed in a
 * `ModificationPolicy`; changed objects no rule explains are always OTHER.
 */
export interface ChangeRule {
  /** Stable name (to find a rule in a policy when composing another). */
  readonly name: string;
  /** Codes the rule may report. */
  readonly codes: readonly ChangeCode[];
  /** Explains and reports the changes of its kind in `a`. */
  apply(a: ChangeContext): void;
}

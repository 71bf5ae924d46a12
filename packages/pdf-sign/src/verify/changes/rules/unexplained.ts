/**
 * The last word, not part of any policy: whatever changed object in use no rule explained is
 * CONTENT_CHANGED (when it had a known role: a page's content, resources, XObject) or
 * OBJECT_OVERWRITTEN (OTHER); a graph too large to walk is ANALYSIS_LIMIT (OTHER). So a policy can
 * explain more, never make an unexplained change disappear.
 */
import type { ChangeContext } from '../context.js';
import { MAX_GRAPH_OBJECTS, describeObject, objectOf } from '../objects.js';

export function reportUnexplained(a: ChangeContext): void {
  // Whatever is left was redefined outside every allowed structure.
  for (const n of a.pending) {
    let desc = 'value';
    try {
      desc = describeObject(objectOf(a.oldR, n));
    } catch {
      // keep 'value'
    }
    const role = a.roles.get(n);
    a.add(
      'OTHER',
      role ? 'CONTENT_CHANGED' : 'OBJECT_OVERWRITTEN',
      role
        ? `${role} (object ${n}) was overwritten`
        : `object ${n} (${desc}) used by the signed revision was overwritten`,
      { objects: [n] },
    );
  }
  if (!a.graph.complete)
    a.add(
      'OTHER',
      'ANALYSIS_LIMIT',
      `more than ${MAX_GRAPH_OBJECTS} objects: changes were not fully analysed`,
    );
}

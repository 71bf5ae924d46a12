/**
 * The comparison of one revision with the one before it, as the rules see it (ChangeContext):
 * what changed in the resolved object graph (pending: changed objects in use that no rule has
 * explained yet; added: objects not in use before; overwritten: every changed object in use),
 * the findings so far, and the document structure both revisions share (pages, catalog, form),
 * computed once before the rules run.
 */
import { PdfDict, type PdfObject, PdfRef } from '../../pdf/objects.js';
import type { PdfReader, PdfRevision } from '../../pdf/reader.js';
import { type FieldInfo, listFields } from '../../sign/fields.js';
import type { ChangeCode, ModificationFinding, ModificationLevel } from './types.js';
import {
  MAX_TREE_OBJECTS,
  type RefGraph,
  TRAILER,
  allowedRef,
  arrayOf,
  buildGraph,
  dictOf,
  objectOf,
  readOf,
  refsIn,
  sameTopObject,
  treeObjects,
} from './objects.js';

/** The structure of both revisions, read once (pages, catalog, AcroForm, fields). */
export interface ChangeState {
  /** Page references of the earlier revision, in order. */
  oldPages: PdfRef[];
  /** Page references of the compared revision, in order. */
  newPages: PdfRef[];
  /** Object number of the catalog (the same in both revisions, else the analysis stopped). */
  catNum: number;
  /** The earlier revision's catalog. */
  oldCat: PdfDict;
  /** The compared revision's catalog. */
  newCat: PdfDict;
  /** The earlier catalog's /AcroForm value as written (a reference or a dictionary). */
  oldAcroV: PdfObject | undefined;
  /** The compared catalog's /AcroForm value as written. */
  newAcroV: PdfObject | undefined;
  /** The earlier AcroForm dictionary (resolved). */
  oldAcro: PdfDict | undefined;
  /** The compared AcroForm dictionary (resolved). */
  newAcro: PdfDict | undefined;
  /** The earlier revision's terminal fields. */
  oldFields: FieldInfo[];
  /** The compared revision's terminal fields. */
  newFields: FieldInfo[];
  /** Earlier objects allowed to refer to fields and widgets (AcroForm, /Fields, fields, pages, /Annots). */
  formStructure: Set<number>;
  /** Widgets of signature fields added or signed in this revision. */
  newSigWidgets: Set<number>;
  /** Widgets of every field of the new revision. */
  newFieldWidgets: Set<number>;
}

/**
 * The comparison of one revision with the one before it, as a `ChangeRule` sees it: the objects the
 * update overwrote (`overwritten`) and those no rule has explained yet (`pending`), the new objects
 * (`added`), the shared structure (`state`: pages, catalog, AcroForm, fields) and the findings so
 * far. Built by the analysis before the rules run.
 */
export class ChangeContext {
  /** Findings reported so far (by the comparison and by the rules). */
  readonly findings: ModificationFinding[] = [];
  /** Fully qualified names of fields whose value or appearance changed (FieldMDP checks them). */
  readonly changedFields: string[] = [];
  /** Overwritten objects whose value changed and that no rule explained yet. */
  readonly pending = new Set<number>();
  /** Objects the revision defines that were not in use before. */
  readonly added = new Set<number>();
  /** Objects in use in the earlier revision whose resolved content changed (fixed at the start). */
  readonly overwritten = new Set<number>();
  /** The earlier revision's object graph (what refers to what), bounded by `maxGraphObjects`. */
  readonly graph: RefGraph;
  /** What an object was in the earlier revision (for descriptions): "content stream of page 1"... */
  readonly roles = new Map<number, string>();

  constructor(
    /** The revision compared with the one before it (its index). */
    readonly revision: number,
    /** A reader of the document as of the revision before. */
    readonly oldR: PdfReader,
    /** A reader of the document as of `revision`. */
    readonly newR: PdfReader,
    rev: PdfRevision,
    /** Most objects walked in the earlier revision's graph (default MAX_GRAPH_OBJECTS). */
    maxGraphObjects?: number,
  ) {
    this.graph = buildGraph(oldR, maxGraphObjects);
    // The signed revision as a viewer resolves it: every object reachable from its trailer is read
    // through each revision's own xref (object streams expanded) and compared by content, whatever
    // the update's xref declares (a redefined object stream changes the objects inside it).
    const declared = new Set(rev.objects);
    for (const n of this.graph.reachable) {
      const before = readOf(oldR, n);
      const after = readOf(newR, n);
      if (before.ok && after.ok && sameTopObject(before.value, after.value)) continue;
      if (!before.ok && !after.ok) continue;
      const wasNull = !before.ok || before.value === null;
      const isNull = !after.ok || after.value === null;
      if (wasNull && isNull) continue;
      if (wasNull) {
        // Referred to but undefined (or unreadable) when signed: the signed revision displayed
        // nothing there; whatever is defined now changes what it displays.
        this.add(
          'OTHER',
          'DANGLING_REFERENCE_DEFINED',
          `object ${n}, referred to but undefined in the signed revision, is defined by this revision`,
          { objects: [n] },
        );
      } else if (isNull) {
        this.add('OTHER', 'OBJECT_FREED', `object ${n}, in use in the signed revision, was deleted`, {
          objects: [n],
        });
      } else {
        this.pending.add(n);
        this.overwritten.add(n);
      }
    }
    for (const n of declared) {
      if (this.graph.reachable.has(n)) continue;
      if (this.graph.complete) this.added.add(n);
      else {
        // Not fully analysed: a declared object that was in use may not have been reached.
        const before = readOf(oldR, n);
        const after = readOf(newR, n);
        if (before.ok && before.value !== null && !(after.ok && sameTopObject(before.value, after.value))) {
          this.pending.add(n);
          this.overwritten.add(n);
        } else this.added.add(n);
      }
    }
  }

  /** Records a finding of this revision (a NONE finding only when `indeterminate`; duplicates ignored). */
  add(
    level: ModificationLevel,
    code: ChangeCode,
    description: string,
    extra: Partial<Pick<ModificationFinding, 'objects' | 'field' | 'page' | 'indeterminate'>> = {},
  ): void {
    if (level === 'NONE' && !extra.indeterminate) return;
    const dup = this.findings.find((f) => f.code === code && f.description === description);
    if (dup) return;
    this.findings.push({ revision: this.revision, level, code, description, ...extra });
  }

  /**
   * Marks overwritten object `num` as explained when every earlier referrer is in `allowed`
   * (undefined: no referrer check, for objects whose whole content a rule compared).
   */
  explain(num: number, allowed?: ReadonlySet<string>): void {
    if (!this.pending.has(num)) return;
    this.pending.delete(num);
    if (allowed) this.checkShared(num, allowed, 'was overwritten');
  }

  /** Reports `num` when an earlier referrer is outside `allowed`. */
  checkShared(num: number, allowed: ReadonlySet<string>, what: string): void {
    const refs = this.graph.referrers.get(num);
    const others = [...(refs ?? [])].filter((x) => !allowedRef(allowed, x) && x !== String(num));
    if (others.length === 0) return;
    const who = others
      .slice(0, 3)
      .map((x) => {
        const n = Number.parseInt(x, 10);
        const key = x.slice(String(n).length);
        const base =
          n === TRAILER ? 'the trailer' : `object ${n}${this.roles.has(n) ? ` (${this.roles.get(n)})` : ''}`;
        return `${base}${key ? ` via ${key}` : ''}`;
      })
      .join(', ');
    const objs = others.map((x) => Number.parseInt(x, 10)).filter((x) => x >= 0);
    this.add('OTHER', 'SHARED_OBJECT_OVERWRITTEN', `object ${num} ${what}, but it is also used by ${who}`, {
      objects: [num, ...objs],
    });
  }

  /**
   * Explains every changed object below `v` (new revision) whose earlier referrers are within
   * `allowed` plus the earlier objects of the same structure. Returns whether anything below
   * `v` is new or changed in this revision.
   */
  explainTree(v: PdfObject | undefined, allowed: ReadonlySet<string>, oldV?: PdfObject): boolean {
    const allow = new Set(allowed);
    if (oldV !== undefined) for (const n of treeObjects(this.oldR, oldV)) allow.add(String(n));
    const stack: PdfRef[] = [];
    refsIn(v, stack);
    const seen = new Set<number>();
    const touched: number[] = [];
    while (stack.length > 0 && seen.size < MAX_TREE_OBJECTS) {
      const ref = stack.pop()!;
      if (seen.has(ref.num)) continue;
      seen.add(ref.num);
      const changed = this.pending.has(ref.num) || this.added.has(ref.num);
      if (changed) {
        touched.push(ref.num);
        allow.add(String(ref.num));
      }
      try {
        refsIn(objectOf(this.newR, ref.num), stack);
      } catch {
        // unreadable: nothing below it
      }
    }
    for (const n of touched) this.explain(n, allow);
    return touched.length > 0;
  }

  #state?: ChangeState | null;

  /**
   * The structure of both revisions; undefined when the catalog itself was replaced (reported
   * once as TRAILER_CHANGED, and then no rule can explain anything).
   */
  get state(): ChangeState | undefined {
    if (this.#state === undefined) this.#state = prepareState(this);
    return this.#state ?? undefined;
  }
}

function prepareState(a: ChangeContext): ChangeState | null {
  const { oldR, newR } = a;
  let oldPages: PdfRef[] = [];
  let newPages: PdfRef[] = [];
  try {
    oldPages = oldR.pages();
    newPages = newR.pages();
  } catch (e) {
    a.add('OTHER', 'ANALYSIS_FAILED', `page tree unreadable: ${(e as Error).message}`);
  }
  // Roles of earlier objects, for readable descriptions.
  oldPages.forEach((p, i) => {
    a.roles.set(p.num, `page ${i + 1}`);
    const pd = dictOf(oldR, p);
    const c = pd?.get('Contents');
    if (c instanceof PdfRef) a.roles.set(c.num, `content of page ${i + 1}`);
    for (const x of arrayOf(oldR, c)) if (x instanceof PdfRef) a.roles.set(x.num, `content of page ${i + 1}`);
    const res = pd?.get('Resources');
    if (res instanceof PdfRef) a.roles.set(res.num, `resources of page ${i + 1}`);
    const xo = dictOf(oldR, dictOf(oldR, res)?.get('XObject'));
    for (const [k, x] of xo?.map ?? [])
      if (x instanceof PdfRef) a.roles.set(x.num, `XObject /${k} of page ${i + 1}`);
  });
  const oldRoot = oldR.rootRef;
  const newRoot = newR.rootRef;
  if (oldRoot.num !== newRoot.num) {
    a.add('OTHER', 'TRAILER_CHANGED', 'the document catalog was replaced (/Root changed)');
    return null;
  }
  const catNum = oldRoot.num;
  const oldCat = dictOf(oldR, oldRoot) ?? new PdfDict();
  const newCat = dictOf(newR, newRoot) ?? new PdfDict();
  const oldAcroV = oldCat.get('AcroForm');
  const newAcroV = newCat.get('AcroForm');
  const oldAcro = dictOf(oldR, oldAcroV);
  const newAcro = dictOf(newR, newAcroV);
  const formStructure = new Set<number>();
  if (oldAcroV instanceof PdfRef) formStructure.add(oldAcroV.num);
  const of = oldAcro?.get('Fields');
  if (of instanceof PdfRef) formStructure.add(of.num);
  let oldFields: FieldInfo[] = [];
  let newFields: FieldInfo[] = [];
  try {
    oldFields = listFields(oldR);
    newFields = listFields(newR);
  } catch (e) {
    a.add('OTHER', 'ANALYSIS_FAILED', `form fields unreadable: ${(e as Error).message}`);
  }
  const addNode = (d: PdfDict | undefined) => {
    const kids = d?.get('Kids');
    if (kids instanceof PdfRef) formStructure.add(kids.num);
    for (const k of arrayOf(oldR, kids)) if (k instanceof PdfRef) formStructure.add(k.num);
  };
  for (const f of arrayOf(oldR, of)) if (f instanceof PdfRef) formStructure.add(f.num);
  for (const f of oldFields) {
    formStructure.add(f.ref.num);
    for (const w of f.widgets) formStructure.add(w.num);
    addNode(f.dict);
  }
  for (const p of oldPages) {
    formStructure.add(p.num);
    const av = dictOf(oldR, p)?.get('Annots');
    if (av instanceof PdfRef) formStructure.add(av.num);
  }
  const oldByNum = new Map(oldFields.map((f) => [f.ref.num, f]));
  const newSigWidgets = new Set<number>();
  const newFieldWidgets = new Set<number>();
  for (const f of newFields) {
    for (const w of f.widgets) newFieldWidgets.add(w.num);
    const old = oldByNum.get(f.ref.num);
    if (f.type === 'Sig' && (!old || (old.value === undefined && f.value !== undefined)))
      for (const w of f.widgets) newSigWidgets.add(w.num);
  }
  return {
    oldPages,
    newPages,
    catNum,
    oldCat,
    newCat,
    oldAcroV,
    newAcroV,
    oldAcro,
    newAcro,
    oldFields,
    newFields,
    formStructure,
    newSigWidgets,
    newFieldWidgets,
  };
}

export { treeObjects };

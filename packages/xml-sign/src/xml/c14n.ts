/**
 * Canonical XML: 1.0 (W3C REC 2001), 1.1 (W3C REC 2008) and Exclusive 1.0 (W3C REC 2002), each
 * with or without comments.
 *
 * Node-sets kyso produces are always "a subtree (or the whole document) minus some subtrees"
 * (same-document references by ID or `URI=""`, minus the enveloped signature): no XPath is ever
 * evaluated, so the general node-set machinery reduces to these rules:
 * - the apex element renders every in-scope namespace (inclusive) or the visibly used ones
 *   (exclusive), and, for inclusive 1.0, the `xml:*` attributes it inherits (1.1: `xml:lang` and
 *   `xml:space` only, `xml:base` fixed up, `xml:id` never);
 * - descendants render the namespace declarations that differ from their nearest rendered ancestor.
 */
import {
  XML_NS,
  type XmlAttribute,
  type XmlDocument,
  type XmlElement,
  type XmlNode,
  inScopeNamespaces,
} from './dom.js';
import { XmlError } from './errors.js';

/** Canonical XML 1.0 (W3C REC 2001-03-15), without comments: the XML-DSig default. */
export const C14N10 = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
/** Canonical XML 1.0 with comments. */
export const C14N10_COMMENTS = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments';
/** Canonical XML 1.1 (W3C REC 2008-05-02), without comments. */
export const C14N11 = 'http://www.w3.org/2006/12/xml-c14n11';
/** Canonical XML 1.1 with comments. */
export const C14N11_COMMENTS = 'http://www.w3.org/2006/12/xml-c14n11#WithComments';
/** Exclusive XML Canonicalization 1.0 (W3C REC 2002-07-18), without comments. */
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
/** Exclusive XML Canonicalization 1.0 with comments. */
export const EXC_C14N_COMMENTS = 'http://www.w3.org/2001/10/xml-exc-c14n#WithComments';

/** A canonicalisation method: inclusive Canonical XML 1.0 or 1.1, or Exclusive XML Canonicalization 1.0. */
export type C14nMethod = '1.0' | '1.1' | 'exclusive';

/** A canonicalisation algorithm as a CanonicalizationMethod or Transform URI names it. */
export interface C14nAlgorithm {
  /** Which canonicalisation. */
  method: C14nMethod;
  /** Whether comments are kept (the `#WithComments` variants). */
  comments: boolean;
}

/** The algorithm named by a CanonicalizationMethod / Transform URI, or undefined. */
export function c14nAlgorithm(uri: string): C14nAlgorithm | undefined {
  switch (uri) {
    case C14N10:
      return { method: '1.0', comments: false };
    case C14N10_COMMENTS:
      return { method: '1.0', comments: true };
    case C14N11:
      return { method: '1.1', comments: false };
    case C14N11_COMMENTS:
      return { method: '1.1', comments: true };
    case EXC_C14N:
      return { method: 'exclusive', comments: false };
    case EXC_C14N_COMMENTS:
      return { method: 'exclusive', comments: true };
  }
  return undefined;
}

/** Options of `canonicalize`. */
export interface C14nOptions {
  /** Which canonicalisation. */
  method: C14nMethod;
  /** Keep comments (the `#WithComments` variants). */
  comments: boolean;
  /** Exclusive only: prefixes treated inclusively (`#default` = the default namespace). */
  inclusivePrefixes?: readonly string[];
  /** Subtrees left out of the node-set (the enveloped signature). */
  exclude?: ReadonlySet<XmlElement>;
}

const encoder = new TextEncoder();

/** Canonicalises a document or a document subtree; returns UTF-8 octets. */
export function canonicalize(node: XmlDocument | XmlElement, opts: C14nOptions): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  canonicalizeChunks(node, opts, (b) => {
    parts.push(b);
    total += b.length;
  });
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Size of the UTF-8 chunks `canonicalizeChunks` hands out (large documents are hashed piecewise). */
const CHUNK_CHARS = 1 << 16;

/**
 * Canonicalises into `sink`, in UTF-8 chunks of about 64 K characters, in order: a digest can be
 * computed without the whole canonical form in memory (no one large string to flatten).
 */
export function canonicalizeChunks(
  node: XmlDocument | XmlElement,
  opts: C14nOptions,
  sink: (chunk: Uint8Array) => void,
): void {
  const w = new Writer(opts, sink);
  write(w, node, opts);
  w.flush();
}

/**
 * Like `canonicalize`, but returns the canonical form as a string (for tests and diagnostics; digests
 * use the UTF-8 octets).
 */
export function canonicalizeToString(node: XmlDocument | XmlElement, opts: C14nOptions): string {
  const w = new Writer(opts);
  write(w, node, opts);
  return w.s;
}

function write(w: Writer, node: XmlDocument | XmlElement, opts: C14nOptions): void {
  if (node.kind === 'document') {
    let afterRoot = false;
    for (const c of node.children) {
      if (c.kind === 'element') {
        w.element(c, true);
        afterRoot = true;
        continue;
      }
      if (c.kind === 'comment' && !opts.comments) continue;
      if (c.kind !== 'comment' && c.kind !== 'pi') continue;
      if (afterRoot) w.s += '\n';
      w.leaf(c);
      if (!afterRoot) w.s += '\n';
    }
  } else {
    w.element(node, true);
  }
}

function escapeText(v: string): string {
  if (!/[&<>\r]/.test(v)) return v;
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

function escapeAttr(v: string): string {
  if (!/[&<"\t\n\r]/.test(v)) return v;
  return v
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}

function compareAttrs(a: XmlAttribute, b: XmlAttribute): number {
  if (a.ns !== b.ns) return a.ns < b.ns ? -1 : 1;
  return a.local < b.local ? -1 : a.local > b.local ? 1 : 0;
}

class Writer {
  /** Output, built by concatenation (V8 ropes: far less garbage than an array of pieces). */
  s = '';
  readonly exclusive: boolean;
  readonly inclusivePrefixes: Set<string>;
  constructor(
    readonly opts: C14nOptions,
    readonly sink?: (chunk: Uint8Array) => void,
  ) {
    this.exclusive = opts.method === 'exclusive';
    this.inclusivePrefixes = new Set((opts.inclusivePrefixes ?? []).map((p) => (p === '#default' ? '' : p)));
  }

  /** Hands the output so far to the sink (if any) as UTF-8. */
  flush(): void {
    if (this.sink && this.s.length > 0) {
      this.sink(encoder.encode(this.s));
      this.s = '';
    }
  }

  leaf(c: XmlNode): void {
    if (c.kind === 'comment') this.s += `<!--${c.value}-->`;
    else if (c.kind === 'pi') this.s += `<?${c.target}${c.data ? ` ${c.data}` : ''}?>`;
  }

  /**
   * Iterative walk. `rendered` = namespace bindings in effect in the output at this point.
   */
  element(apex: XmlElement, _isApex: boolean): void {
    const exclude = this.opts.exclude;
    const sink = this.sink;
    type Frame = { el: XmlElement; rendered: Map<string, string>; i: number };
    const start = this.openTag(apex, new Map(), true);
    const stack: Frame[] = [{ el: apex, rendered: start, i: 0 }];
    while (stack.length > 0) {
      const f = stack[stack.length - 1]!;
      if (f.i >= f.el.children.length) {
        this.s += `</${f.el.name}>`;
        stack.pop();
        continue;
      }
      if (sink && this.s.length > CHUNK_CHARS) this.flush();
      const c = f.el.children[f.i++]!;
      if (c.kind === 'text') this.s += escapeText(c.value);
      else if (c.kind === 'element') {
        if (exclude?.has(c)) continue;
        const r = this.openTag(c, f.rendered, false);
        stack.push({ el: c, rendered: r, i: 0 });
      } else if (c.kind === 'comment') {
        if (this.opts.comments) this.leaf(c);
      } else this.leaf(c);
    }
  }

  /** Writes the start tag; returns the namespace bindings in effect for the children. */
  openTag(el: XmlElement, rendered: Map<string, string>, apex: boolean): Map<string, string> {
    if (!apex && !this.exclusive && el.nsDecls.length === 0) {
      // Fast path (most elements): nothing to declare, attributes as they are.
      let attrs: readonly XmlAttribute[] = el.attributes;
      if (attrs.length > 1) attrs = [...attrs].sort(compareAttrs);
      let tag = `<${el.name}`;
      for (const a of attrs) tag += ` ${a.name}="${escapeAttr(a.value)}"`;
      this.s += `${tag}>`;
      return rendered;
    }
    // Namespace declarations to render.
    const decls: [string, string][] = [];
    let next = rendered;
    const consider = (p: string, u: string): void => {
      if (p === 'xml') return;
      const have = rendered.get(p) ?? '';
      if (have === u) return;
      if (p === '' && u === '' && !rendered.has('')) return;
      decls.push([p, u]);
    };
    if (this.exclusive) {
      const scope =
        apex || el.nsDecls.length > 0 || this.inclusivePrefixes.size > 0 ? inScopeNamespaces(el) : undefined;
      const used = new Set<string>([el.prefix]);
      for (const a of el.attributes) if (a.prefix && a.prefix !== 'xml') used.add(a.prefix);
      for (const p of this.inclusivePrefixes) if (scope?.has(p)) used.add(p);
      for (const p of used) {
        const u = p === '' && el.prefix === '' ? el.ns : scope ? (scope.get(p) ?? '') : lookup(el, p);
        if (p === '' && u === '' && (rendered.get('') ?? '') === '') continue;
        consider(p, u);
      }
    } else if (apex) {
      for (const [p, u] of inScopeNamespaces(el)) if (!(p === '' && u === '')) consider(p, u);
    } else {
      for (const [p, u] of el.nsDecls) consider(p, u);
    }
    if (decls.length > 0) {
      next = new Map(rendered);
      for (const [p, u] of decls) next.set(p, u);
      decls.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    }
    // Attributes, with inherited xml:* on the apex of a subset (inclusive only).
    let attrs: readonly XmlAttribute[] = el.attributes;
    if (apex && !this.exclusive && el.parent.kind === 'element') attrs = this.inheritXmlAttrs(el);
    if (attrs.length > 1) attrs = [...attrs].sort(compareAttrs);
    let tag = `<${el.name}`;
    for (const [p, u] of decls) tag += `${p === '' ? ' xmlns="' : ` xmlns:${p}="`}${escapeAttr(u)}"`;
    for (const a of attrs) tag += ` ${a.name}="${escapeAttr(a.value)}"`;
    this.s += `${tag}>`;
    return next;
  }

  inheritXmlAttrs(el: XmlElement): XmlAttribute[] {
    const own = new Map<string, XmlAttribute>();
    for (const a of el.attributes) if (a.ns === XML_NS) own.set(a.local, a);
    const inherited = new Map<string, XmlAttribute>();
    const bases: string[] = [];
    let n: XmlElement | XmlDocument = el.parent;
    while (n.kind === 'element') {
      for (const a of n.attributes) {
        if (a.ns !== XML_NS) continue;
        if (a.local === 'base') bases.push(a.value);
        else if (!own.has(a.local) && !inherited.has(a.local)) inherited.set(a.local, a);
      }
      n = n.parent;
    }
    const result = el.attributes.filter(
      (a) => !(this.opts.method === '1.1' && a.ns === XML_NS && a.local === 'base'),
    );
    for (const [local, a] of inherited) {
      if (this.opts.method === '1.1' && local === 'id') continue;
      result.push(a);
    }
    if (this.opts.method === '1.0') {
      if (!own.has('base') && bases.length > 0) result.push(xmlAttr('base', bases[0]!));
    } else {
      // C14N 1.1 xml:base fix-up: join the ancestors' values (outermost first) with the own one.
      const chain = bases.reverse();
      const ownBase = own.get('base')?.value;
      if (ownBase !== undefined) chain.push(ownBase);
      if (chain.length > 0 && (bases.length > 0 || ownBase !== undefined)) {
        let v = chain[0]!;
        for (let i = 1; i < chain.length; i++) v = joinUri(v, chain[i]!);
        if (v !== '' || ownBase !== undefined) result.push(xmlAttr('base', v));
      }
    }
    return result;
  }
}

function xmlAttr(local: string, value: string): XmlAttribute {
  return { name: `xml:${local}`, prefix: 'xml', local, ns: XML_NS, value };
}

function lookup(el: XmlElement, prefix: string): string {
  let n: XmlElement | XmlDocument = el;
  while (n.kind === 'element') {
    for (const [p, u] of n.nsDecls) if (p === prefix) return u;
    n = n.parent;
  }
  if (prefix === '') return '';
  throw new XmlError('XML_MALFORMED', `undeclared prefix ${prefix}`);
}

/** RFC 3986 §5.2 reference resolution with dot-segment removal (C14N 1.1 §2.4 xml:base fix-up). */
export function joinUri(base: string, ref: string): string {
  if (ref === '') return base;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(ref)) return removeDots(ref);
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:)?(\/\/[^/?#]*)?([^?#]*)(\?[^#]*)?(#.*)?$/.exec(base)!;
  const scheme = m[1] ?? '';
  const authority = m[2] ?? '';
  const path = m[3] ?? '';
  if (ref.startsWith('//')) return scheme + removeDots(ref);
  if (ref.startsWith('/')) return scheme + authority + removeDots(ref);
  if (ref.startsWith('?')) return scheme + authority + path + ref;
  if (ref.startsWith('#')) return scheme + authority + path + (m[4] ?? '') + ref;
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : authority ? '/' : '';
  return scheme + authority + removeDots(dir + ref);
}

function removeDots(p: string): string {
  const qi = p.search(/[?#]/);
  const path = qi >= 0 ? p.slice(0, qi) : p;
  const rest = qi >= 0 ? p.slice(qi) : '';
  const segs = path.split('/');
  const out: string[] = [];
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    if (s === '.') {
      if (i === segs.length - 1) out.push('');
    } else if (s === '..') {
      if (out.length > 1 || (out.length === 1 && out[0] !== '')) out.pop();
      if (i === segs.length - 1) out.push('');
    } else out.push(s);
  }
  return out.join('/') + rest;
}

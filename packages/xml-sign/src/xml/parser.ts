/**
 * A safe, bounded XML 1.0 parser (namespaces 1.0) for signature processing.
 *
 * Refused outright: any DOCTYPE (so no DTD, no internal or external entities, no billion laughs, no
 * attribute defaults that would change what is signed), entity references other than the five
 * predefined ones, encodings other than UTF-8. XInclude is never processed (an `xi:include` is just
 * an element). Bounded: input bytes, element depth, node count, attributes per element, name and
 * text lengths; exceeding a bound throws `XmlError('XML_LIMIT')`.
 *
 * One escape hatch for conformance vectors only: `dtd: 'id-attlist-only'` accepts an internal DTD
 * subset made of nothing but `<!ATTLIST e a ID #IMPLIED|#REQUIRED>` declarations (used to declare
 * ID attributes); an ENTITY, an external subset, a default value or anything else is still refused.
 */
import {
  XML_NS,
  XMLNS_NS,
  type XmlAttribute,
  type XmlComment,
  type XmlDocument,
  type XmlElement,
  type XmlNode,
  type XmlProcessingInstruction,
  type XmlText,
} from './dom.js';
import { XmlError } from './errors.js';

/** Default input size limit: a 10 MB batch file fits with room; larger inputs need an explicit limit. */
export const DEFAULT_MAX_XML_BYTES = 64 * 1024 * 1024;
/** Element nesting limit: real documents stay far below; recursion elsewhere is bounded by it. */
export const DEFAULT_MAX_XML_DEPTH = 256;
/** Node limit (elements + attributes + text + comments + PIs). */
export const DEFAULT_MAX_XML_NODES = 4_000_000;
/** Attributes (including namespace declarations) on one element. */
export const MAX_XML_ATTRIBUTES = 1024;
/** Length of one name (element, attribute, prefix, PI target). */
export const MAX_XML_NAME_LENGTH = 1024;

/**
 * Limits and ID rules of `parseXml`. Beyond a limit the parser throws `XmlError` `XML_LIMIT` (KysoError
 * `INPUT_TOO_LARGE`).
 */
export interface ParseXmlOptions {
  /** Largest input in bytes (default `DEFAULT_MAX_XML_BYTES`, 64 MiB). */
  maxBytes?: number;
  /** Deepest element nesting (default `DEFAULT_MAX_XML_DEPTH`, 256). */
  maxDepth?: number;
  /** Most nodes: elements, attributes, text, comments, PIs (default `DEFAULT_MAX_XML_NODES`, 4 000 000). */
  maxNodes?: number;
  /** Attribute local names (in no namespace) treated as IDs. Default `['Id', 'ID', 'id']` (+ `xml:id`). */
  idAttributes?: readonly string[];
  /** 'refuse' (default) or 'id-attlist-only' (conformance vectors; see the module comment). */
  dtd?: 'refuse' | 'id-attlist-only';
}

const DEFAULT_ID_ATTRIBUTES = ['Id', 'ID', 'id'];
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

const malformed = (msg: string, pos?: number): XmlError =>
  new XmlError('XML_MALFORMED', pos === undefined ? msg : `${msg} at offset ${pos}`);

/** Parses a complete XML document. Throws XmlError for malformed, refused or oversized input. */
export function parseXml(input: Uint8Array | string, opts: ParseXmlOptions = {}): XmlDocument {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_XML_BYTES;
  let text: string;
  if (typeof input === 'string') {
    if (input.length > maxBytes) throw new XmlError('XML_LIMIT', `document larger than ${maxBytes} bytes`);
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    if (input.length > maxBytes) throw new XmlError('XML_LIMIT', `document larger than ${maxBytes} bytes`);
    if (
      input.length >= 2 &&
      ((input[0] === 0xfe && input[1] === 0xff) || (input[0] === 0xff && input[1] === 0xfe))
    ) {
      throw new XmlError('XML_UNSUPPORTED', 'UTF-16 documents are not supported (UTF-8 only)');
    }
    try {
      text = utf8.decode(input);
    } catch {
      throw malformed('document is not valid UTF-8');
    }
  }
  return new Parser(text, opts).parse();
}

// Name characters: permissive on non-ASCII (XML 1.0 5th ed. NameChar covers nearly all of it),
// strict on ASCII. Surrogate halves are matched one by one on purpose (astral name characters).
const NAME_RE =
  /[A-Za-z_:\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\uD800-\uDBFF][A-Za-z0-9_:.\-\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C-\u200D\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\uD800-\uDFFF]*/y;
// Characters not allowed in XML 1.0 documents (controls except tab/LF/CR, U+FFFE/U+FFFF, lone surrogates).
const BAD_CHAR_RE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Lone surrogates (not XML characters): String.prototype.isWellFormed where available (Node >= 20). */
function hasLoneSurrogate(s: string): boolean {
  const wf = (s as { isWellFormed?: () => boolean }).isWellFormed;
  if (wf) return !wf.call(s);
  return LONE_SURROGATE_RE.test(s);
}

type OpenElement = XmlElement & { children: XmlNode[] };

class Parser {
  readonly s: string;
  pos = 0;
  nodes = 0;
  order = 0;
  readonly maxDepth: number;
  readonly maxNodes: number;
  readonly idAttrs: Set<string>;
  readonly dtdMode: 'refuse' | 'id-attlist-only';
  readonly ids = new Map<string, XmlElement>();
  readonly dup = new Set<string>();
  /** Element name -> attribute names declared as ID by an allowed ATTLIST. */
  readonly declaredIds = new Map<string, Set<string>>();
  /** Namespace scope stack: each frame's prefix map (copy-on-write). */
  scope: Map<string, string>[] = [new Map([['xml', XML_NS]])];

  constructor(s: string, opts: ParseXmlOptions) {
    if (BAD_CHAR_RE.test(s) || hasLoneSurrogate(s))
      throw malformed('document contains a character not allowed in XML 1.0');
    // End-of-line handling (XML 1.0 §2.11).
    this.s = s.indexOf('\r') >= 0 ? s.replace(/\r\n?/g, '\n') : s;
    this.maxDepth = opts.maxDepth ?? DEFAULT_MAX_XML_DEPTH;
    this.maxNodes = opts.maxNodes ?? DEFAULT_MAX_XML_NODES;
    this.idAttrs = new Set(opts.idAttributes ?? DEFAULT_ID_ATTRIBUTES);
    this.dtdMode = opts.dtd ?? 'refuse';
  }

  count(): void {
    if (++this.nodes > this.maxNodes) throw new XmlError('XML_LIMIT', `more than ${this.maxNodes} nodes`);
  }

  parse(): XmlDocument {
    const s = this.s;
    const top: XmlNode[] = [];
    const doc = { kind: 'document', children: top } as unknown as XmlDocument & {
      root: XmlElement;
      ids: Map<string, XmlElement>;
      duplicateIds: Set<string>;
      nodeCount: number;
      text: string;
    };
    if (s.startsWith('<?xml') && /^<\?xml[\s?]/.test(s)) this.xmlDecl();
    let root: XmlElement | undefined;
    let sawDoctype = false;
    while (true) {
      this.skipWs();
      if (this.pos >= s.length) break;
      if (s.charCodeAt(this.pos) !== 0x3c) throw malformed('text outside the document element', this.pos);
      if (s.startsWith('<!--', this.pos)) top.push(this.comment(doc));
      else if (s.startsWith('<?', this.pos)) top.push(this.pi(doc));
      else if (s.startsWith('<!DOCTYPE', this.pos)) {
        if (root || sawDoctype) throw malformed('misplaced DOCTYPE', this.pos);
        sawDoctype = true;
        this.doctype();
      } else if (s.startsWith('<!', this.pos)) throw malformed('unexpected markup declaration', this.pos);
      else {
        if (root) throw malformed('more than one document element', this.pos);
        root = this.element(doc);
        top.push(root);
      }
    }
    if (!root) throw malformed('no document element');
    doc.root = root;
    doc.ids = this.ids;
    doc.duplicateIds = this.dup;
    doc.nodeCount = this.nodes;
    doc.text = s;
    return doc;
  }

  skipWs(): void {
    const s = this.s;
    let p = this.pos;
    while (p < s.length) {
      const c = s.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d) p++;
      else break;
    }
    this.pos = p;
  }

  /** Names seen so far, by (length, first and last code unit): repeated names are not re-allocated. */
  readonly names = new Map<number, string[]>();

  name(): string {
    const s = this.s;
    const start = this.pos;
    let p = start;
    let c = s.charCodeAt(p);
    // ASCII fast path; anything else goes through the full NameStartChar/NameChar expression.
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a) {
      p++;
      while (p < s.length) {
        c = s.charCodeAt(p);
        if (
          (c >= 0x61 && c <= 0x7a) ||
          (c >= 0x41 && c <= 0x5a) ||
          (c >= 0x30 && c <= 0x3a) ||
          c === 0x5f ||
          c === 0x2d ||
          c === 0x2e
        )
          p++;
        else break;
      }
      if (c < 0x80 || p >= s.length) {
        const len = p - start;
        if (len > MAX_XML_NAME_LENGTH) throw new XmlError('XML_LIMIT', 'name too long');
        this.pos = p;
        const key = len * 0x4000 + s.charCodeAt(start) * 0x80 + s.charCodeAt(p - 1);
        let bucket = this.names.get(key);
        if (bucket) {
          for (const n of bucket) if (s.startsWith(n, start)) return n;
        } else {
          bucket = [];
          this.names.set(key, bucket);
        }
        const n = s.slice(start, p);
        if (bucket.length < 16) bucket.push(n);
        return n;
      }
    }
    NAME_RE.lastIndex = start;
    const m = NAME_RE.exec(s);
    if (!m) throw malformed('expected a name', start);
    if (m[0].length > MAX_XML_NAME_LENGTH) throw new XmlError('XML_LIMIT', 'name too long');
    this.pos += m[0].length;
    return m[0];
  }

  /** Prefix and local part of a qualified name (cached per name: names are interned by `name()`). */
  readonly qnames = new Map<string, readonly [string, string]>();

  split(q: string, at: number): readonly [string, string] {
    let r = this.qnames.get(q);
    if (!r) {
      r = splitQName(q, at);
      if (this.qnames.size < 4096) this.qnames.set(q, r);
    }
    return r;
  }

  xmlDecl(): void {
    const end = this.s.indexOf('?>');
    if (end < 0) throw malformed('unterminated XML declaration');
    const decl = this.s.slice(0, end);
    const m =
      /^<\?xml\s+version\s*=\s*(["'])1\.[0-9]+\1(\s+encoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\3)?(\s+standalone\s*=\s*(["'])(yes|no)\6)?\s*$/.exec(
        decl,
      );
    if (!m) throw malformed('bad XML declaration');
    const enc = m[4]?.toLowerCase();
    if (enc !== undefined && enc !== 'utf-8' && enc !== 'utf8' && enc !== 'us-ascii' && enc !== 'ascii') {
      throw new XmlError('XML_UNSUPPORTED', `encoding ${m[4]} is not supported (UTF-8 only)`);
    }
    this.pos = end + 2;
  }

  doctype(): void {
    if (this.dtdMode === 'refuse') {
      throw new XmlError('XML_REFUSED', 'DOCTYPE is refused (no DTD processing, no entities)');
    }
    const s = this.s;
    this.pos += 9;
    this.skipWs();
    this.name();
    this.skipWs();
    if (s.startsWith('SYSTEM', this.pos) || s.startsWith('PUBLIC', this.pos)) {
      throw new XmlError('XML_REFUSED', 'external DTD subset refused');
    }
    if (s[this.pos] === '[') {
      this.pos++;
      while (true) {
        this.skipWs();
        if (s[this.pos] === ']') {
          this.pos++;
          break;
        }
        if (s.startsWith('<!--', this.pos)) {
          this.comment(undefined);
          continue;
        }
        const m = /<!ATTLIST\s+([^\s>]+)\s+([^\s>]+)\s+ID\s+#(IMPLIED|REQUIRED)\s*>/y;
        m.lastIndex = this.pos;
        const r = m.exec(s);
        if (!r)
          throw new XmlError('XML_REFUSED', 'DTD declaration other than an ID ATTLIST refused', {
            at: this.pos,
          });
        const set = this.declaredIds.get(r[1]!) ?? new Set<string>();
        this.declaredIds.set(r[1]!, set);
        set.add(r[2]!);
        this.pos += r[0].length;
      }
      this.skipWs();
    }
    if (s[this.pos] !== '>') throw malformed('bad DOCTYPE', this.pos);
    this.pos++;
  }

  comment(parent: XmlElement | XmlDocument | undefined): XmlComment {
    const end = this.s.indexOf('-->', this.pos + 4);
    if (end < 0) throw malformed('unterminated comment', this.pos);
    const value = this.s.slice(this.pos + 4, end);
    if (value.includes('--') || value.endsWith('-')) throw malformed('"--" inside a comment', this.pos);
    this.pos = end + 3;
    this.count();
    return { kind: 'comment', value, parent: parent! };
  }

  pi(parent: XmlElement | XmlDocument): XmlProcessingInstruction {
    this.pos += 2;
    const target = this.name();
    if (target.toLowerCase() === 'xml') throw malformed('misplaced XML declaration', this.pos);
    if (target.includes(':')) throw malformed('colon in a PI target', this.pos);
    const end = this.s.indexOf('?>', this.pos);
    if (end < 0) throw malformed('unterminated processing instruction', this.pos);
    let data = this.s.slice(this.pos, end);
    if (data.length > 0) {
      if (!/^[ \n\t]/.test(data)) throw malformed('bad processing instruction', this.pos);
      data = data.replace(/^[ \n\t]+/, '');
    }
    this.pos = end + 2;
    this.count();
    return { kind: 'pi', target, data, parent };
  }

  /** Decodes character and predefined entity references in text or attribute values. */
  unescape(raw: string, start: number, attrValue: boolean): string {
    let v = raw;
    if (attrValue && (v.indexOf('\t') >= 0 || v.indexOf('\n') >= 0)) v = v.replace(/[\t\n]/g, ' ');
    let amp = v.indexOf('&');
    if (amp < 0) return v;
    // A loop over the references (text of data documents is full of &amp;): no regular expression
    // and no callback per reference.
    let out = '';
    let from = 0;
    while (amp >= 0) {
      let end = amp + 1;
      const limit = Math.min(v.length, amp + 33);
      while (end < limit) {
        const c = v.charCodeAt(end);
        if (c === 0x3b || c === 0x26) break;
        end++;
      }
      if (end >= v.length || v.charCodeAt(end) !== 0x3b) throw malformed('unterminated reference', start);
      out += v.slice(from, amp) + decodeReference(v.slice(amp + 1, end), start);
      from = end + 1;
      amp = v.indexOf('&', from);
    }
    return out + v.slice(from);
  }

  /** The prefix an `xmlns` / `xmlns:p` attribute declares, after the Namespaces 1.0 checks. */
  nsDeclPrefix(an: string, value: string): string {
    const p = an === 'xmlns' ? '' : an.slice(6);
    if (p === 'xmlns' || (p === 'xml' && value !== XML_NS) || (p !== 'xml' && value === XML_NS)) {
      throw malformed(`reserved namespace misuse: ${an}`, this.pos);
    }
    if (value === XMLNS_NS) throw malformed('the xmlns namespace cannot be declared', this.pos);
    if (p !== '' && value === '')
      throw malformed(`prefix ${p} undeclared to empty (Namespaces 1.0)`, this.pos);
    return p;
  }

  /** A start tag's attributes (other than namespace declarations) resolved in `scope`, no duplicates. */
  attributes(rawAttrs: [string, string, number][], scope: Map<string, string>): XmlAttribute[] {
    const attributes: XmlAttribute[] = [];
    for (const [an, value, at] of rawAttrs) {
      const [ap, al] = this.split(an, at);
      let ans = '';
      if (ap) {
        const u = scope.get(ap);
        if (u === undefined || u === '') throw malformed(`undeclared namespace prefix ${ap}`, at);
        ans = u;
      }
      for (const o of attributes) {
        if (o.name === an || (o.local === al && o.ns === ans))
          throw malformed(`duplicate attribute ${an}`, at);
      }
      attributes.push({ name: an, prefix: ap, local: al, ns: ans, value });
      this.count();
    }
    return attributes;
  }

  element(docParent: XmlDocument): XmlElement {
    const s = this.s;
    const stack: OpenElement[] = [];
    let root: XmlElement | undefined;
    // Iterative: no recursion on hostile depth.
    while (true) {
      // At '<' of a start tag.
      const start = this.pos;
      this.pos++;
      const qname = this.name();
      let rawAttrs: [string, string, number][] | undefined;
      let nsDecls: [string, string][] | undefined;
      let selfClose = false;
      while (true) {
        const before = this.pos;
        this.skipWs();
        const c = s.charCodeAt(this.pos);
        if (c === 0x3e) {
          this.pos++;
          break;
        }
        if (c === 0x2f) {
          if (s.charCodeAt(this.pos + 1) !== 0x3e) throw malformed('expected "/>"', this.pos);
          this.pos += 2;
          selfClose = true;
          break;
        }
        if (this.pos === before) throw malformed('expected whitespace before an attribute', this.pos);
        const an = this.name();
        this.skipWs();
        if (s.charCodeAt(this.pos) !== 0x3d) throw malformed('expected "="', this.pos);
        this.pos++;
        this.skipWs();
        const q = s.charCodeAt(this.pos);
        if (q !== 0x22 && q !== 0x27) throw malformed('expected a quoted attribute value', this.pos);
        const end = s.indexOf(q === 0x22 ? '"' : "'", this.pos + 1);
        if (end < 0) throw malformed('unterminated attribute value', this.pos);
        const raw = s.slice(this.pos + 1, end);
        if (raw.indexOf('<') >= 0) throw malformed('"<" in an attribute value', this.pos);
        const value = this.unescape(raw, this.pos, true);
        this.pos = end + 1;
        if (an === 'xmlns' || an.startsWith('xmlns:')) {
          const p = this.nsDeclPrefix(an, value);
          nsDecls ??= [];
          if (nsDecls.some(([x]) => x === p)) throw malformed(`duplicate attribute ${an}`, this.pos);
          nsDecls.push([p, value]);
        } else {
          rawAttrs ??= [];
          rawAttrs.push([an, value, this.pos]);
        }
        if ((rawAttrs?.length ?? 0) + (nsDecls?.length ?? 0) > MAX_XML_ATTRIBUTES) {
          throw new XmlError('XML_LIMIT', `more than ${MAX_XML_ATTRIBUTES} attributes on one element`);
        }
      }
      // Namespace scope.
      const parentScope = this.scope[this.scope.length - 1]!;
      let scope = parentScope;
      if (nsDecls) {
        scope = new Map(parentScope);
        for (const [p, u] of nsDecls) scope.set(p, u);
      }
      const [prefix, local] = this.split(qname, this.pos);
      let ns = '';
      if (prefix) {
        const u = scope.get(prefix);
        if (u === undefined || u === '') throw malformed(`undeclared namespace prefix ${prefix}`, this.pos);
        ns = u;
      } else ns = scope.get('') ?? '';
      const attributes = rawAttrs ? this.attributes(rawAttrs, scope) : (EMPTY_ATTRIBUTES as XmlAttribute[]);
      this.count();
      const parent: XmlElement | XmlDocument = stack.length > 0 ? stack[stack.length - 1]! : docParent;
      const el: XmlElement & { children: XmlNode[] } = {
        kind: 'element',
        name: qname,
        prefix,
        local,
        ns,
        nsDecls: nsDecls ?? EMPTY_DECLS,
        attributes,
        children: EMPTY_CHILDREN as XmlNode[],
        parent,
        order: this.order++,
        start,
        contentEnd: -1,
      };
      this.registerIds(el);
      if (stack.length > 0) addChild(stack[stack.length - 1]!, el);
      else root = el;
      if (!selfClose) {
        if (stack.length + 1 > this.maxDepth)
          throw new XmlError('XML_LIMIT', `nesting deeper than ${this.maxDepth}`);
        stack.push(el);
        this.scope.push(scope);
      } else if (stack.length === 0) return el;
      // Content until the next start tag or until the stack empties.
      let next = false;
      while (!next) {
        const top = stack[stack.length - 1]!;
        const lt = s.indexOf('<', this.pos);
        if (lt < 0) throw malformed(`unclosed element ${top.name}`, this.pos);
        if (lt > this.pos) this.text(top, this.pos, lt);
        this.pos = lt;
        const c1 = s.charCodeAt(lt + 1);
        if (c1 === 0x2f) {
          // End tag.
          this.pos += 2;
          // The end tag must repeat the open element's name: compared in place, no allocation.
          const tn = top.name;
          const after = s.charCodeAt(this.pos + tn.length);
          if (
            s.startsWith(tn, this.pos) &&
            (after === 0x3e || after === 0x20 || after === 0x0a || after === 0x09 || after === 0x0d)
          )
            this.pos += tn.length;
          else {
            const n = this.name();
            throw malformed(`end tag ${n} does not match ${tn}`, this.pos);
          }
          this.skipWs();
          if (s.charCodeAt(this.pos) !== 0x3e) throw malformed('expected ">"', this.pos);
          this.pos++;
          (top as { contentEnd: number }).contentEnd = lt;
          stack.pop();
          this.scope.pop();
          if (stack.length === 0) return root!;
        } else if (c1 === 0x21) {
          if (s.startsWith('<!--', lt)) addChild(top, this.comment(top));
          else if (s.startsWith('<![CDATA[', lt)) {
            const end = s.indexOf(']]>', lt + 9);
            if (end < 0) throw malformed('unterminated CDATA section', lt);
            this.pushText(top, s.slice(lt + 9, end));
            this.pos = end + 3;
          } else throw malformed('markup declaration inside an element', lt);
        } else if (c1 === 0x3f) addChild(top, this.pi(top));
        else next = true;
      }
    }
  }

  text(parent: XmlElement & { children: XmlNode[] }, from: number, to: number): void {
    const raw = this.s.slice(from, to);
    if (raw.indexOf(']]>') >= 0) throw malformed('"]]>" in text', from);
    this.pushText(parent, this.unescape(raw, from, false));
  }

  pushText(parent: XmlElement & { children: XmlNode[] }, value: string): void {
    if (value.length === 0) return;
    const last = parent.children[parent.children.length - 1];
    if (last && last.kind === 'text') {
      (last as { value: string }).value += value;
      return;
    }
    this.count();
    addChild(parent, { kind: 'text', value, parent } satisfies XmlText);
  }

  registerIds(el: XmlElement): void {
    const declared = this.declaredIds.size > 0 ? this.declaredIds.get(el.name) : undefined;
    for (const a of el.attributes) {
      const isId =
        (a.ns === '' && (this.idAttrs.has(a.local) || declared?.has(a.name) === true)) ||
        (a.ns === XML_NS && a.local === 'id');
      if (!isId) continue;
      const v = a.value.trim();
      const prev = this.ids.get(v);
      if (prev && prev !== el) this.dup.add(v);
      else this.ids.set(v, el);
    }
  }
}

/** The text of `&ref;` (predefined entities and character references only). */
function decodeReference(ref: string, start: number): string {
  switch (ref) {
    case 'lt':
      return '<';
    case 'gt':
      return '>';
    case 'amp':
      return '&';
    case 'quot':
      return '"';
    case 'apos':
      return "'";
  }
  let cp: number;
  if (/^#x[0-9A-Fa-f]{1,6}$/.test(ref)) cp = Number.parseInt(ref.slice(2), 16);
  else if (/^#[0-9]{1,7}$/.test(ref)) cp = Number.parseInt(ref.slice(1), 10);
  else
    throw new XmlError('XML_REFUSED', `undeclared entity reference &${ref}; (no DTD entities)`, {
      at: start,
    });
  if (
    cp > 0x10ffff ||
    (cp < 0x20 && cp !== 0x9 && cp !== 0xa && cp !== 0xd) ||
    (cp >= 0xd800 && cp <= 0xdfff) ||
    cp === 0xfffe ||
    cp === 0xffff
  ) {
    throw malformed(`character reference &${ref}; is not an XML character`, start);
  }
  return String.fromCodePoint(cp);
}

const EMPTY_DECLS: ReadonlyArray<readonly [string, string]> = Object.freeze([]);
/**
 * Shared by every element until its first child: the first child then gets an array of exactly
 * one slot (most elements of data documents hold one text node), later ones grow it as usual.
 */
const EMPTY_CHILDREN: readonly XmlNode[] = Object.freeze([]);

function addChild(parent: { children: XmlNode[] }, node: XmlNode): void {
  if (parent.children === EMPTY_CHILDREN) parent.children = [node];
  else parent.children.push(node);
}

/** Shared by every element without attributes (read-only: nothing adds attributes after parsing). */
const EMPTY_ATTRIBUTES: readonly XmlAttribute[] = Object.freeze([]);

function splitQName(q: string, at: number): [string, string] {
  const i = q.indexOf(':');
  if (i < 0) return ['', q];
  if (i === 0 || i === q.length - 1 || q.indexOf(':', i + 1) >= 0)
    throw malformed(`bad qualified name ${q}`, at);
  return [q.slice(0, i), q.slice(i + 1)];
}

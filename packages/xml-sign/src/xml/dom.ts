/**
 * The small, read-only document model the safe parser builds. It keeps exactly what XML-DSig
 * needs: elements with their namespace declarations as written (canonicalisation renders them),
 * attributes, text, comments and processing instructions, and parent links. No DTD, no entities
 * beyond the five predefined ones and character references: there is nothing else to model.
 */

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
/** The namespace of namespace declarations (`xmlns`, `xmlns:p`, Namespaces in XML 1.0 §3). */
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** An attribute (namespace declarations are not attributes here: see `XmlElement.nsDecls`). */
export interface XmlAttribute {
  /** Qualified name as written (`Id`, `xml:lang`, `ds:Algorithm`). */
  readonly name: string;
  /** Prefix as written ('' when none). */
  readonly prefix: string;
  /** Local name. */
  readonly local: string;
  /** Namespace URI ('' for an unprefixed attribute: attributes do not take the default namespace). */
  readonly ns: string;
  /** The normalised value (entity and character references resolved, XML 1.0 §3.3.3). */
  readonly value: string;
}

/** An element of the parsed document (read-only). */
export interface XmlElement {
  /** Node type discriminant. */
  readonly kind: 'element';
  /** Qualified name as written (`ds:Signature`). */
  readonly name: string;
  /** Prefix as written ('' when none). */
  readonly prefix: string;
  /** Local name (`Signature`). */
  readonly local: string;
  /** Namespace URI of the element ('' when in no namespace). */
  readonly ns: string;
  /** Namespace declarations written on this element, in document order: [prefix ('' = default), uri]. */
  readonly nsDecls: ReadonlyArray<readonly [string, string]>;
  /** Attributes in document order (namespace declarations excluded). */
  readonly attributes: readonly XmlAttribute[];
  /** Child nodes (read-only for callers: elements without children share one frozen empty array). */
  readonly children: XmlNode[];
  /** The parent element, or the document for the root element. */
  readonly parent: XmlElement | XmlDocument;
  /** Document order index (unique, increasing). */
  readonly order: number;
  /** Offset in `XmlDocument.text` of the start tag's '<'. */
  readonly start: number;
  /** Offset in `XmlDocument.text` of the end tag's '</' (-1 for an empty-element tag `<e/>`). */
  readonly contentEnd: number;
}

/** Character data (text and CDATA sections, references resolved, line ends normalised). */
export interface XmlText {
  /** Node type discriminant. */
  readonly kind: 'text';
  /** The text (entity and character references resolved, line ends normalised to LF). */
  readonly value: string;
  /** The element holding the text. */
  readonly parent: XmlElement;
}

/** A comment (`<!-- value -->`). */
export interface XmlComment {
  /** Node type discriminant. */
  readonly kind: 'comment';
  /** The comment's text, between `<!--` and `-->`. */
  readonly value: string;
  /** The parent element, or the document for a node outside the root element. */
  readonly parent: XmlElement | XmlDocument;
}

/** A processing instruction (`<?target data?>`). */
export interface XmlProcessingInstruction {
  /** Node type discriminant. */
  readonly kind: 'pi';
  /** The PI target (`xml-stylesheet`...). */
  readonly target: string;
  /** The PI content after the target, as written. */
  readonly data: string;
  /** The parent element, or the document for a node outside the root element. */
  readonly parent: XmlElement | XmlDocument;
}

/** Any child node of an element or of the document. */
export type XmlNode = XmlElement | XmlText | XmlComment | XmlProcessingInstruction;

/**
 * A document parsed by `parseXml`: the root element, its ID index (for same-document references) and
 * the parsed text, which signing inserts into.
 */
export interface XmlDocument {
  /** Node type discriminant. */
  readonly kind: 'document';
  /** Comments and PIs around the document element, and the document element itself. */
  readonly children: XmlNode[];
  /** The document element. */
  readonly root: XmlElement;
  /** Elements by ID value (attributes `Id`, `ID`, `id`, `xml:id`, plus any declared by the caller). */
  readonly ids: ReadonlyMap<string, XmlElement>;
  /** ID values carried by more than one element (signature wrapping signal). */
  readonly duplicateIds: ReadonlySet<string>;
  /** Number of nodes (elements, attributes, text, comments, PIs). */
  readonly nodeCount: number;
  /** The parsed text (line ends normalised, BOM removed): signing inserts into it. */
  readonly text: string;
}

/** The value of an attribute in no namespace, or undefined. */
export function attr(el: XmlElement, local: string): string | undefined {
  for (const a of el.attributes) if (a.local === local && a.ns === '') return a.value;
  return undefined;
}

/** Child elements, optionally filtered by namespace and local name. */
export function childElements(el: XmlElement, ns?: string, local?: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (c.kind !== 'element') continue;
    if (ns !== undefined && c.ns !== ns) continue;
    if (local !== undefined && c.local !== local) continue;
    out.push(c);
  }
  return out;
}

/** First child element with that namespace and local name. */
export function firstChild(el: XmlElement, ns: string, local: string): XmlElement | undefined {
  for (const c of el.children) if (c.kind === 'element' && c.ns === ns && c.local === local) return c;
  return undefined;
}

/** Concatenated text of all descendant text nodes (XPath string-value). */
export function textContent(node: XmlElement | XmlDocument): string {
  let s = '';
  const walk = (n: XmlElement | XmlDocument): void => {
    for (const c of n.children) {
      if (c.kind === 'text') s += c.value;
      else if (c.kind === 'element') walk(c);
    }
  };
  walk(node);
  return s;
}

/** Descendant elements (and the element itself when `self`) in document order. */
export function* descendants(el: XmlElement | XmlDocument, self = false): Generator<XmlElement> {
  if (self && el.kind === 'element') yield el;
  const stack: XmlNode[] = [...el.children].reverse();
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.kind !== 'element') continue;
    yield n;
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
  }
}

/** Whether `a` is `b` or one of its ancestors. */
export function isAncestorOrSelf(a: XmlElement, b: XmlElement): boolean {
  let n: XmlElement | XmlDocument = b;
  while (n.kind === 'element') {
    if (n === a) return true;
    n = n.parent;
  }
  return false;
}

/** The document that holds `el`. */
export function ownerDocument(el: XmlElement): XmlDocument {
  let n: XmlElement | XmlDocument = el;
  while (n.kind === 'element') n = n.parent;
  return n;
}

/** In-scope namespaces of an element (prefix -> uri; '' = default, absent or '' = no default). */
export function inScopeNamespaces(el: XmlElement): Map<string, string> {
  const chain: XmlElement[] = [];
  let n: XmlElement | XmlDocument = el;
  while (n.kind === 'element') {
    chain.push(n);
    n = n.parent;
  }
  const m = new Map<string, string>();
  for (let i = chain.length - 1; i >= 0; i--) for (const [p, u] of chain[i]!.nsDecls) m.set(p, u);
  return m;
}

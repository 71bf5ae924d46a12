/**
 * Reference processing (XMLDSig §4.4.3): URI dereference, transforms, digest.
 *
 * Same-document references resolve only into the document that holds the signature, by ID
 * (`Id`, `ID`, `id`, `xml:id`) or `URI=""`; a document with duplicate IDs is refused before any
 * reference is resolved. Other URIs go to the caller's `resolveDetached` (no network, no file
 * system here). XSLT, XPath and XPath Filter 2.0 are not implemented (XSLT never will be).
 */
import { fromBase64 } from '@kyso/pki-core';
import { type C14nAlgorithm, c14nAlgorithm, canonicalize, canonicalizeChunks } from '../xml/c14n.js';
import {
  type XmlDocument,
  type XmlElement,
  attr,
  childElements,
  descendants,
  firstChild,
  inScopeNamespaces,
  isAncestorOrSelf,
} from '../xml/dom.js';
import { XmlError } from '../xml/errors.js';
import { type ParseXmlOptions, parseXml } from '../xml/parser.js';
import {
  BASE64_TRANSFORM,
  DIGEST_URI,
  DSIG_NS,
  type DigestName,
  ENVELOPED,
  XPATH,
  XPATH_FILTER2,
  XSLT,
  digestSync,
  newHash,
} from './algorithms.js';

/**
 * Exclusive C14N namespace (W3C Exclusive XML Canonicalization 1.0 §3), of
 * ec:InclusiveNamespaces/@PrefixList.
 */
export const EXC_C14N_NS = 'http://www.w3.org/2001/10/xml-exc-c14n#';

/** Data between transforms: a node-set (a subtree minus excluded subtrees) or octets. */
export type TransformData =
  | { kind: 'nodes'; node: XmlDocument | XmlElement; exclude: Set<XmlElement>; comments: boolean }
  | { kind: 'octets'; bytes: Uint8Array };

/** Resolves a URI that is not a same-document reference (detached content). */
export type DetachedResolver = (uri: string | undefined) => Uint8Array | undefined;

/**
 * What reference processing needs: the document, the signature that holds the reference, and how to
 * fetch detached content.
 */
export interface ReferenceContext {
  /** The document holding the signature (same-document URIs resolve only into it). */
  doc: XmlDocument;
  /** The ds:Signature holding the reference (for the enveloped-signature transform). */
  signature: XmlElement;
  /**
   * Returns the bytes of a URI that is not a same-document reference (detached signatures); without it
   * such a reference fails with `XML_UNSUPPORTED`.
   */
  resolveDetached?: DetachedResolver;
  /** Limits for parsing octets back into XML (a transform after the base64 transform). */
  parseOptions?: ParseXmlOptions;
}

/** Maximum number of transforms on one Reference. */
export const MAX_TRANSFORMS = 16;

/**
 * Dereferences a ds:Reference URI (XMLDSig 1.1 §4.4.3.3): `""` is the whole document without
 * comments, `#id` the element with that ID (Id, ID, id or xml:id), `#xpointer(/)` and
 * `#xpointer(id('…'))` the same with comments; any other URI goes to `ctx.resolveDetached`. Throws
 * `XmlError` `XML_REFUSED` for a missing or duplicated ID, `XML_UNSUPPORTED` for other XPointers or
 * unresolved detached URIs.
 */
export function dereference(uri: string | undefined, ctx: ReferenceContext): TransformData {
  if (uri === undefined || (uri !== '' && !uri.startsWith('#'))) {
    const bytes = ctx.resolveDetached?.(uri);
    if (!bytes)
      throw new XmlError(
        'XML_UNSUPPORTED',
        `reference ${uri ?? '(no URI)'} is not in this document and no detached content was supplied`,
      );
    return { kind: 'octets', bytes };
  }
  if (uri === '') return { kind: 'nodes', node: ctx.doc, exclude: new Set(), comments: false };
  const frag = decodeURIComponent(uri.slice(1));
  if (frag === 'xpointer(/)') return { kind: 'nodes', node: ctx.doc, exclude: new Set(), comments: true };
  const xp = /^xpointer\(id\((['"])([^'"]*)\1\)\)$/.exec(frag);
  const id = xp ? xp[2]! : frag;
  if (!xp && frag.startsWith('xpointer('))
    throw new XmlError('XML_UNSUPPORTED', `XPointer ${frag} is not supported`);
  if (ctx.doc.duplicateIds.has(id))
    throw new XmlError('XML_REFUSED', `ID ${id} is carried by more than one element`);
  const el = ctx.doc.ids.get(id);
  if (!el) throw new XmlError('XML_REFUSED', `no element with ID ${id} in this document`);
  return { kind: 'nodes', node: el, exclude: new Set(), comments: xp !== null };
}

/**
 * Applies a reference's ds:Transform elements in order (XMLDSig 1.1 §6.6): enveloped-signature,
 * canonicalisation (C14N 1.0/1.1, exclusive C14N, with or without comments), base64, and the XPath
 * expression excluding ds:Signature. Throws `XmlError`: `XML_LIMIT` beyond `MAX_TRANSFORMS`,
 * `XML_REFUSED` for XSLT, `XML_UNSUPPORTED` for other XPath expressions or unknown algorithms,
 * `XML_MALFORMED` for a transform that does not fit its input.
 */
export function applyTransforms(
  data: TransformData,
  transforms: XmlElement[],
  ctx: ReferenceContext,
): TransformData {
  if (transforms.length > MAX_TRANSFORMS)
    throw new XmlError('XML_LIMIT', `more than ${MAX_TRANSFORMS} transforms`);
  let d = data;
  for (const t of transforms) {
    const alg = attr(t, 'Algorithm') ?? '';
    if (alg === ENVELOPED) {
      if (d.kind !== 'nodes')
        throw new XmlError('XML_MALFORMED', 'enveloped-signature transform over octets');
      const node = d.node;
      if (node.kind === 'document' || isAncestorOrSelf(node, ctx.signature)) d.exclude.add(ctx.signature);
      continue;
    }
    const c = c14nAlgorithm(alg);
    if (c) {
      d = { kind: 'octets', bytes: canonicalizeData(d, c, inclusivePrefixes(t), ctx) };
      continue;
    }
    if (alg === BASE64_TRANSFORM) {
      const text = d.kind === 'nodes' ? nodeText(d) : new TextDecoder().decode(d.bytes);
      d = { kind: 'octets', bytes: decodeBase64Loose(text) };
      continue;
    }
    if (alg === XSLT) throw new XmlError('XML_REFUSED', 'XSLT transforms are never executed');
    if (alg === XPATH || alg === XPATH_FILTER2) {
      // No XPath engine: the one expression signatures use in practice ("everything except
      // ds:Signature elements") is recognised, in its XPath 1.0 and Filter 2.0 spellings.
      if (d.kind !== 'nodes' || !excludesSignaturesOnly(t, alg)) {
        throw new XmlError(
          'XML_UNSUPPORTED',
          `transform ${alg} is not implemented beyond excluding ds:Signature`,
        );
      }
      for (const e of d.node.kind === 'document' ? descendants(d.node) : descendants(d.node, true)) {
        if (e.ns === DSIG_NS && e.local === 'Signature') d.exclude.add(e);
      }
      continue;
    }
    throw new XmlError('XML_UNSUPPORTED', `unknown transform ${alg}`);
  }
  return d;
}

/**
 * The digest of a reference's data after its transforms (what `finalOctets` returns, hashed). A
 * node-set going into its last canonicalisation (a final C14N transform, or the default C14N 1.0)
 * is hashed chunk by chunk instead of being built as one byte array first.
 */
export function digestReference(
  data: TransformData,
  transforms: XmlElement[],
  ctx: ReferenceContext,
  hash: DigestName,
): Uint8Array {
  const last = transforms[transforms.length - 1];
  const lastC14n = last ? c14nAlgorithm(attr(last, 'Algorithm') ?? '') : undefined;
  const d = applyTransforms(data, lastC14n ? transforms.slice(0, -1) : transforms, ctx);
  if (d.kind === 'nodes') {
    const h = newHash(hash);
    canonicalizeChunks(
      d.node,
      lastC14n
        ? {
            method: lastC14n.method,
            comments: lastC14n.comments && d.comments,
            inclusivePrefixes: inclusivePrefixes(last!),
            exclude: d.exclude,
          }
        : { method: '1.0', comments: d.comments, exclude: d.exclude },
      (b) => h.update(b),
    );
    return h.digest();
  }
  return digestSync(hash, finalOctets(lastC14n ? applyTransforms(d, [last!], ctx) : d, ctx));
}

/** The final octets of a reference: node-sets are canonicalised with C14N 1.0 (§4.4.3.2). */
export function finalOctets(d: TransformData, ctx: ReferenceContext): Uint8Array {
  if (d.kind === 'octets') return d.bytes;
  return canonicalizeData(d, { method: '1.0', comments: d.comments }, undefined, ctx);
}

function canonicalizeData(
  d: TransformData,
  c: C14nAlgorithm,
  prefixes: string[] | undefined,
  ctx: ReferenceContext,
): Uint8Array {
  if (d.kind === 'octets') {
    const doc = parseXml(d.bytes, ctx.parseOptions);
    return canonicalize(doc, { method: c.method, comments: c.comments, inclusivePrefixes: prefixes });
  }
  return canonicalize(d.node, {
    method: c.method,
    comments: c.comments && d.comments,
    inclusivePrefixes: prefixes,
    exclude: d.exclude,
  });
}

/**
 * XPath `not(ancestor-or-self::ds:Signature)` (XPath 1.0 transform) or Filter 2.0 `subtract`
 * `/descendant::ds:Signature` / `//ds:Signature`, with the prefix bound to the XML-DSig namespace.
 */
function excludesSignaturesOnly(t: XmlElement, alg: string): boolean {
  const xps = childElements(t).filter((c) => c.local === 'XPath');
  if (xps.length !== 1) return false;
  const xp = xps[0]!;
  const expr = textOf(xp).replace(/\s+/g, '');
  const m =
    alg === XPATH
      ? /^not\(ancestor-or-self::([A-Za-z_][\w.-]*):Signature\)$/.exec(expr)
      : attr(xp, 'Filter') === 'subtract'
        ? /^(?:\/descendant::|\/\/)([A-Za-z_][\w.-]*):Signature$/.exec(expr)
        : null;
  return !!m && inScopeNamespaces(xp).get(m[1]!) === DSIG_NS;
}

/**
 * The ec:InclusiveNamespaces PrefixList of an exclusive C14N transform or CanonicalizationMethod
 * (`#default` included as written), or undefined when there is none.
 */
export function inclusivePrefixes(el: XmlElement): string[] | undefined {
  const inc = firstChild(el, EXC_C14N_NS, 'InclusiveNamespaces');
  const list = inc ? attr(inc, 'PrefixList') : undefined;
  return list === undefined ? undefined : list.split(/\s+/).filter((x) => x.length > 0);
}

function nodeText(d: Extract<TransformData, { kind: 'nodes' }>): string {
  let s = '';
  const walk = (n: XmlDocument | XmlElement): void => {
    for (const c of n.children) {
      if (c.kind === 'text') s += c.value;
      else if (c.kind === 'element' && !d.exclude.has(c)) walk(c);
    }
  };
  if (d.node.kind === 'element') walk(d.node);
  else walk(d.node.root);
  return s;
}

/** Base64 with whitespace ignored (the XML-DSig base64 transform and element content). */
export function decodeBase64Loose(s: string): Uint8Array {
  const clean = s.replace(/[\s]+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
    throw new XmlError('XML_MALFORMED', 'invalid base64 content');
  }
  return fromBase64(clean);
}

/** The outcome of one ds:Reference (XMLDSig 1.1 §3.2.1 reference validation). */
export interface ReferenceResult {
  /** The URI attribute as written (undefined when absent). */
  uri: string | undefined;
  /** The Type attribute (e.g. the XAdES SignedProperties type URI). */
  type: string | undefined;
  /** The Id attribute. */
  id: string | undefined;
  /** The DigestMethod URI as written. */
  digestAlgorithm: string;
  /** Digest matched. */
  valid: boolean;
  /** Why it is not valid (reason code + text), if so. */
  error?: { reason: string; message: string };
  /** What the reference covers: the signed element itself, the whole document, or detached octets. */
  signed?:
    | { kind: 'element'; element: XmlElement }
    | { kind: 'document' }
    | { kind: 'detached'; uri: string | undefined };
  /** Transform algorithm URIs in order. */
  transforms: string[];
  /** The reference used SHA-1 (legacy). */
  legacyDigest: boolean;
}

/** Processes one ds:Reference; never throws for invalid data (the result says why). */
export function processReference(ref: XmlElement, ctx: ReferenceContext): ReferenceResult {
  const uri = attr(ref, 'URI');
  const transformsEl = firstChild(ref, DSIG_NS, 'Transforms');
  const transforms = transformsEl ? childElements(transformsEl, DSIG_NS, 'Transform') : [];
  const dm = firstChild(ref, DSIG_NS, 'DigestMethod');
  const dv = firstChild(ref, DSIG_NS, 'DigestValue');
  const digestAlgorithm = dm ? (attr(dm, 'Algorithm') ?? '') : '';
  const result: ReferenceResult = {
    uri,
    type: attr(ref, 'Type'),
    id: attr(ref, 'Id'),
    digestAlgorithm,
    valid: false,
    transforms: transforms.map((t) => attr(t, 'Algorithm') ?? ''),
    legacyDigest: DIGEST_URI[digestAlgorithm] === 'SHA-1',
  };
  try {
    const hash: DigestName | undefined = DIGEST_URI[digestAlgorithm];
    if (!hash) throw new XmlError('XML_UNSUPPORTED', `digest algorithm ${digestAlgorithm} is not supported`);
    if (!dv) throw new XmlError('XML_MALFORMED', 'Reference without DigestValue');
    const expected = decodeBase64Loose(textOf(dv));
    const data = dereference(uri, ctx);
    result.signed =
      data.kind === 'octets'
        ? { kind: 'detached', uri }
        : data.node.kind === 'document'
          ? { kind: 'document' }
          : { kind: 'element', element: data.node };
    const got = digestReference(data, transforms, ctx, hash);
    result.valid = got.length === expected.length && got.every((b, i) => b === expected[i]);
    if (!result.valid)
      result.error = {
        reason: 'DIGEST_MISMATCH',
        message: 'the digest of the referenced data does not match',
      };
  } catch (e) {
    if (!(e instanceof XmlError)) throw e;
    result.error = { reason: e.reason, message: e.message };
  }
  return result;
}

/**
 * The concatenated text children of `el` (not descendants): the content of elements such as
 * DigestValue or X509Certificate.
 */
export function textOf(el: XmlElement): string {
  let s = '';
  for (const c of el.children) if (c.kind === 'text') s += c.value;
  return s;
}

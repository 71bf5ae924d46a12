/**
 * XML-DSig signing in two steps, like PDF: prepare (document → SignedInfo bytes and their digest),
 * sign the digest anywhere (a Signer in memory, a PKCS#11 token, the remote signing server), then
 * embed the SignatureValue. Nothing is kept in memory between the steps but the prepared object,
 * which is plain data.
 *
 * The signature is written into the document's own text (nothing else is re-serialised), then the
 * result is parsed again and every digest is computed by the verifier's own reference code, so what
 * is signed is exactly what a verifier will see.
 *
 * Packaging: 'enveloped' (signature inside the document, `URI=""` + enveloped-signature transform),
 * 'enveloping' (the document inside a ds:Object of the signature), 'detached' (a reference to
 * external bytes). Profile 'einvoice' produces the Vietnamese e-invoice shape (Circular 78):
 * signature in DSCKS/NBan, reference to `#Id` of DLHDon and to a SignatureProperties/SigningTime
 * object, inclusive C14N 1.0, KeyInfo with the certificate.
 */
import {
  Certificate,
  type HashAlgorithm,
  KysoError,
  type SignatureAlgorithm,
  type Signer,
  ecdsaDerToP1363,
  toBase64,
} from '@kyso/pki-core';
import { C14N10, EXC_C14N } from '../xml/c14n.js';
import {
  type XmlDocument,
  type XmlElement,
  type XmlNode,
  attr,
  childElements,
  descendants,
  firstChild,
} from '../xml/dom.js';
import { XmlError } from '../xml/errors.js';
import { type ParseXmlOptions, parseXml } from '../xml/parser.js';
import {
  DIGEST_URI,
  DIGEST_URI_OF,
  DSIG_NS,
  ENVELOPED,
  digestSync,
  signatureMethodUri,
} from '../dsig/algorithms.js';
import { type ReferenceContext, dereference, digestReference } from '../dsig/reference.js';
import { canonicalSignedInfo } from '../dsig/verify.js';
import {
  COUNTERSIGNED_SIGNATURE_TYPE,
  SIGNED_PROPERTIES_TYPE,
  XADES_NS,
  insertUnsignedProperty,
  missingDecls,
  qualifyingProperties,
  unsignedSignatureProperties,
  xadesObjectXml,
} from '../xades/xades.js';

/**
 * Where the signature sits relative to what it signs (XMLDSig 1.1): `enveloped` (inside the
 * document, `URI=""` with the enveloped-signature transform, the default), `enveloping` (the document
 * inside a ds:Object of the signature) or `detached` (a reference to external bytes, `detachedUri`).
 */
export type XmlPackaging = 'enveloped' | 'enveloping' | 'detached';

/**
 * Options of `prepareXmlSignature` (and `signXml`): the signer's certificates and algorithm, the
 * packaging and profile, and XAdES B-B signed properties (ETSI EN 319 132-1 §5.2) when `xades` is set.
 */
export interface PrepareXmlSignatureOptions {
  /** The signer's certificate chain, leaf first (written to KeyInfo). */
  certificateChain: readonly Uint8Array[];
  /**
   * The signature algorithm (RSA PKCS#1 v1.5, RSA-PSS, ECDSA or Ed25519; never with SHA-1). It must
   * match the signer's key.
   */
  algorithm: SignatureAlgorithm;
  /** Default `enveloped`. */
  packaging?: XmlPackaging;
  /** 'xmldsig' (default) or 'einvoice' (Circular 78 shape; enveloped only). */
  profile?: 'xmldsig' | 'einvoice';
  /** Reference digest (default SHA-256; SHA-1 refused). */
  digest?: Exclude<HashAlgorithm, 'SHA-1'>;
  /** Detached packaging: the URI written in the Reference. */
  detachedUri?: string;
  /** Signing time (e-invoice SigningTime property). Default: now. */
  signingTime?: Date;
  /** Id of the ds:Signature (default: generated). */
  signatureId?: string;
  /**
   * XAdES baseline B-B signed properties (SigningTime, SigningCertificateV2, DataObjectFormat with
   * `mimeType`, default text/xml). Add B-T afterwards with `addXadesSignatureTimeStamp`.
   */
  xades?: { mimeType?: string };
  /** E-invoice: the role element under DSCKS (default 'NBan'). */
  einvoiceRole?: string;
  /** Parser limits for the input document (defaults: `parseXml`'s). */
  parseOptions?: ParseXmlOptions;
}

/** The state between prepare and embed: plain data, serialisable. */
export interface PreparedXmlSignature {
  /** The signed document with an empty SignatureValue. */
  document: string;
  /** Offset in `document` where the base64 SignatureValue goes. */
  signatureValueOffset: number;
  /** Canonical SignedInfo: the bytes to be signed. */
  toBeSigned: Uint8Array;
  /** Digest of `toBeSigned` with the signature's hash (for signHash / CSC). */
  digest: Uint8Array;
  /** The signature algorithm (the signer must use it for `toBeSigned`). */
  algorithm: SignatureAlgorithm;
  /** Id of the ds:Signature written. */
  signatureId: string;
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function randomId(prefix: string): string {
  const b = new Uint8Array(8);
  globalThis.crypto.getRandomValues(b);
  return `${prefix}-${[...b].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

/** Vietnamese local time without zone, as the e-invoice samples write SigningTime. */
export function vnLocalTime(d: Date): string {
  return new Date(d.getTime() + 7 * 3600_000).toISOString().slice(0, 19);
}

interface RefSpec {
  id?: string;
  uri: string;
  type?: string;
  transforms: string[];
}

function referenceXml(p: string, r: RefSpec, digestUri: string): string {
  const type = `${r.id ? ` Id="${r.id}"` : ''}${r.type ? ` Type="${esc(r.type)}"` : ''}`;
  const tr =
    r.transforms.length > 0
      ? `<${p}Transforms>${r.transforms.map((t) => `<${p}Transform Algorithm="${t}"/>`).join('')}</${p}Transforms>`
      : '';
  return `<${p}Reference URI="${esc(r.uri)}"${type}>${tr}<${p}DigestMethod Algorithm="${digestUri}"/><${p}DigestValue></${p}DigestValue></${p}Reference>`;
}

function hashOfAlgorithm(a: SignatureAlgorithm): HashAlgorithm {
  return a.name === 'Ed25519' ? 'SHA-512' : a.hash;
}

/**
 * Step 1. `input` is the document to sign (enveloped, enveloping) or the detached content.
 * Throws XmlError for a malformed document or one that cannot take the requested shape.
 */
export function prepareXmlSignature(
  input: Uint8Array | string,
  opts: PrepareXmlSignatureOptions,
): PreparedXmlSignature {
  // Plain enveloped signatures: the end of the document element is found by a scan and the one
  // parse of the result checks it (large batch files are parsed once, not twice); anything the
  // scan cannot place, or the check refuses, takes the general path.
  if ((opts.packaging ?? 'enveloped') === 'enveloped' && (opts.profile ?? 'xmldsig') !== 'einvoice') {
    const fast = prepareImpl(input, opts, true);
    if (fast) return fast;
  }
  return prepareImpl(input, opts, false)!;
}

/** The decoded text when the scan path can take it (UTF-8, no BOM, no CR), else undefined. */
function scanText(input: Uint8Array | string): string | undefined {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    if (input[0] === 0xef || input[0] === 0xfe || input[0] === 0xff) return undefined;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch {
      return undefined;
    }
  }
  if (text.charCodeAt(0) === 0xfeff || text.indexOf('\r') >= 0) return undefined;
  return text;
}

/** Offset of the document element's end tag (`</name>`), skipping trailing comments, PIs, spaces. */
function rootEndTag(text: string): number {
  let end = text.length;
  for (let guard = 0; guard < 64; guard++) {
    while (end > 0 && /\s/.test(text[end - 1]!)) end--;
    if (text.endsWith('-->', end)) end = text.lastIndexOf('<!--', end - 3);
    else if (text.endsWith('?>', end)) end = text.lastIndexOf('<?', end - 2);
    else break;
    if (end < 0) return -1;
  }
  if (!text.endsWith('>', end)) return -1;
  const lt = text.lastIndexOf('</', end);
  return lt > 0 && /^<\/[^\s<>/]+\s*>$/.test(text.slice(lt, end)) ? lt : -1;
}

function prepareImpl(
  input: Uint8Array | string,
  opts: PrepareXmlSignatureOptions,
  scan: boolean,
): PreparedXmlSignature | undefined {
  const packaging = opts.packaging ?? 'enveloped';
  const profile = opts.profile ?? 'xmldsig';
  if (opts.algorithm.name !== 'Ed25519' && opts.algorithm.hash === 'SHA-1') {
    throw new KysoError('WEAK_ALGORITHM', 'SHA-1 is never used for new signatures');
  }
  if (opts.certificateChain.length === 0)
    throw new KysoError('INVALID_ARGUMENT', 'the signer has no certificate');
  const digestUri = DIGEST_URI_OF[opts.digest ?? 'SHA-256'];
  const sigId = opts.signatureId ?? randomId(profile === 'einvoice' ? 'NBan' : 'Signature');
  const einvoice = profile === 'einvoice';
  if (einvoice && packaging !== 'enveloped')
    throw new KysoError('INVALID_ARGUMENT', 'the e-invoice profile is enveloped only');
  // E-invoice: ds namespace as default (as the samples); otherwise the ds: prefix (safe inside any content).
  const p = einvoice ? '' : 'ds:';
  const nsDecl = einvoice ? `xmlns="${DSIG_NS}"` : `xmlns:ds="${DSIG_NS}"`;
  const leaf = Certificate.fromDer(opts.certificateChain[0]!);

  let text: string;
  let insertAt: number;
  let wrap: [string, string] = ['', ''];
  let skip = 0;
  const refs: RefSpec[] = [];
  let objects = '';

  if (packaging === 'detached') {
    if (!opts.detachedUri) throw new KysoError('INVALID_ARGUMENT', 'detached packaging needs detachedUri');
    text = '';
    insertAt = 0;
    refs.push({ uri: opts.detachedUri, transforms: [] });
  } else if (packaging === 'enveloping') {
    const doc = parseXml(input, opts.parseOptions);
    const objId = randomId('Object');
    const root = doc.root;
    const content = doc.text.slice(
      root.start,
      root.contentEnd < 0 ? doc.text.indexOf('>', root.start) + 1 : endOfElement(doc, root),
    );
    objects = `<${p}Object Id="${objId}">${content}</${p}Object>`;
    refs.push({ uri: `#${objId}`, type: 'http://www.w3.org/2000/09/xmldsig#Object', transforms: [EXC_C14N] });
    text = '';
    insertAt = 0;
  } else if (scan) {
    const t = scanText(input);
    const at = t === undefined ? -1 : rootEndTag(t);
    if (at < 0) return undefined;
    text = t!;
    insertAt = at;
    refs.push({ uri: '', transforms: [ENVELOPED, C14N10] });
  } else {
    const doc = parseXml(input, opts.parseOptions);
    if (doc.duplicateIds.size > 0) throw new XmlError('XML_REFUSED', 'the document carries duplicate IDs');
    text = doc.text;
    if (einvoice) {
      const role = opts.einvoiceRole ?? 'NBan';
      const data = findDataElement(doc);
      const dataId = attr(data, 'Id');
      if (!dataId) throw new XmlError('XML_REFUSED', `${data.name} has no Id attribute to reference`);
      const timeId = `SigningTime-${sigId}`;
      refs.push({ uri: `#${dataId}`, transforms: [ENVELOPED] });
      refs.push({
        uri: `#${timeId}`,
        type: 'http://www.w3.org/2000/09/xmldsig#SignatureProperties',
        transforms: [],
      });
      objects = `<${p}Object Id="${timeId}"><${p}SignatureProperties><${p}SignatureProperty Target="#${sigId}"><SigningTime xmlns="">${vnLocalTime(opts.signingTime ?? new Date())}</SigningTime></${p}SignatureProperty></${p}SignatureProperties></${p}Object>`;
      const parent = data.parent.kind === 'element' ? data.parent : doc.root;
      const dscks = childElements(parent, '', 'DSCKS')[0];
      if (!dscks) {
        ({ at: insertAt, wrap, skip = 0 } = insertionPoint(doc, parent));
        wrap = [`${wrap[0]}<DSCKS><${role}>`, `</${role}></DSCKS>${wrap[1]}`];
      } else {
        const slot = childElements(dscks, '', role)[0];
        if (slot && childElements(slot, DSIG_NS, 'Signature').length > 0) {
          throw new XmlError('XML_REFUSED', `DSCKS/${role} is already signed`);
        }
        if (slot) ({ at: insertAt, wrap, skip = 0 } = insertionPoint(doc, slot));
        else {
          ({ at: insertAt, wrap, skip = 0 } = insertionPoint(doc, dscks));
          wrap = [`${wrap[0]}<${role}>`, `</${role}>${wrap[1]}`];
        }
      }
    } else {
      refs.push({ uri: '', transforms: [ENVELOPED, C14N10] });
      ({ at: insertAt, wrap, skip = 0 } = insertionPoint(doc, doc.root));
    }
  }

  if (opts.xades) {
    const spId = `${sigId}-SignedProperties`;
    const dataObjects = refs.map((r, i) => {
      r.id = `${sigId}-ref-${i}`;
      return {
        referenceId: r.id,
        mimeType:
          opts.xades?.mimeType ?? (packaging === 'detached' ? 'application/octet-stream' : 'text/xml'),
      };
    });
    objects += xadesObjectXml(p, {
      signatureId: sigId,
      signedPropertiesId: spId,
      signingCertificate: opts.certificateChain[0]!,
      signingTime: opts.signingTime ?? new Date(),
      dataObjects,
      digest: opts.digest,
    });
    refs.push({ uri: `#${spId}`, type: SIGNED_PROPERTIES_TYPE, transforms: [C14N10] });
  }
  return finishPrepare({
    text,
    insertAt,
    wrap,
    skip,
    refs,
    objects,
    p,
    nsDecl,
    sigId,
    einvoice,
    // XAdES: the SignatureValue gets an Id so that a counter-signature can reference it.
    signatureValueId: opts.xades ? `${sigId}-SignatureValue` : undefined,
    detachedBytes:
      packaging === 'detached'
        ? typeof input === 'string'
          ? new TextEncoder().encode(input)
          : input
        : undefined,
    opts,
    digestUri,
    leafSubject: leaf.subject.toString(),
    lastInRoot: scan,
  });
}

interface FinishInput {
  text: string;
  insertAt: number;
  wrap: [string, string];
  skip: number;
  refs: RefSpec[];
  objects: string;
  p: string;
  nsDecl: string;
  sigId: string;
  einvoice: boolean;
  signatureValueId: string | undefined;
  detachedBytes: Uint8Array | undefined;
  opts: Pick<PrepareXmlSignatureOptions, 'certificateChain' | 'algorithm' | 'parseOptions'>;
  digestUri: string;
  leafSubject: string;
  /** Scan path: the signature must be the last content of the document element (else undefined). */
  lastInRoot?: boolean;
}

/** Writes the ds:Signature into the text, computes the digests on the result, returns the prepared state. */
function finishPrepare(f: FinishInput): PreparedXmlSignature | undefined {
  const { p, refs, opts, sigId, digestUri } = f;
  const x509 = `<${p}X509Data>${f.einvoice ? `<${p}X509SubjectName>${esc(f.leafSubject)}</${p}X509SubjectName>` : ''}${opts.certificateChain
    .map((c) => `<${p}X509Certificate>${toBase64(c)}</${p}X509Certificate>`)
    .join('')}</${p}X509Data>`;
  const signedInfo = `<${p}SignedInfo><${p}CanonicalizationMethod Algorithm="${C14N10}"/><${p}SignatureMethod Algorithm="${signatureMethodUri(opts.algorithm)}"/>${refs
    .map((r) => referenceXml(p, r, digestUri))
    .join('')}</${p}SignedInfo>`;
  const valueTag = f.signatureValueId
    ? `<${p}SignatureValue Id="${f.signatureValueId}">`
    : `<${p}SignatureValue>`;
  const sigXml = `<${p}Signature ${f.nsDecl} Id="${sigId}">${signedInfo}${valueTag}</${p}SignatureValue><${p}KeyInfo>${x509}</${p}KeyInfo>${f.objects}</${p}Signature>`;
  let out = f.text.slice(0, f.insertAt) + f.wrap[0] + sigXml + f.wrap[1] + f.text.slice(f.insertAt + f.skip);

  // Pass 1: digests by the verifier's own reference code on the final document.
  const doc = parseXml(out, opts.parseOptions);
  if (f.lastInRoot) {
    const el = doc.ids.get(sigId);
    if (
      !el ||
      el.parent !== doc.root ||
      doc.root.contentEnd !== f.insertAt + sigXml.length ||
      doc.duplicateIds.has(sigId)
    )
      return undefined;
    if (doc.duplicateIds.size > 0) throw new XmlError('XML_REFUSED', 'the document carries duplicate IDs');
  }
  const sig = signatureById(doc, sigId);
  const detachedBytes = f.detachedBytes;
  const si = firstChild(sig, DSIG_NS, 'SignedInfo')!;
  const digests: string[] = [];
  const ctx: ReferenceContext = {
    doc,
    signature: sig,
    resolveDetached: () => detachedBytes,
    parseOptions: opts.parseOptions,
  };
  for (const r of childElements(si, DSIG_NS, 'Reference')) digests.push(toBase64(referenceDigest(r, ctx)));
  // Fill the DigestValues (the empty elements, in order, inside this signature's SignedInfo).
  const open = `<${p}DigestValue></${p}DigestValue>`;
  let from = sig.start;
  for (const d of digests) {
    const i = out.indexOf(open, from);
    out = `${out.slice(0, i)}<${p}DigestValue>${d}</${p}DigestValue>${out.slice(i + open.length)}`;
    from = i + open.length + d.length;
  }
  // Canonical SignedInfo of the final document: the parsed tree of pass 1 differs from `out` only
  // by the DigestValue texts, so they are set in the tree instead of parsing the document again
  // (the interop tests check the result with xmlsec1 and Santuario).
  childElements(si, DSIG_NS, 'Reference').forEach((r, k) => {
    const dv = firstChild(r, DSIG_NS, 'DigestValue')!;
    (dv as { children: XmlNode[] }).children = [{ kind: 'text', value: digests[k]!, parent: dv }];
  });
  const toBeSigned = canonicalSignedInfo(si);
  const signatureValueOffset = out.indexOf(valueTag, sig.start) + valueTag.length;
  const hash = hashOfAlgorithm(opts.algorithm);
  return {
    document: out,
    signatureValueOffset,
    toBeSigned,
    digest: digestSync(hash, toBeSigned),
    algorithm: opts.algorithm,
    signatureId: sigId,
  };
}

/** The digest of a Reference, computed by the verifier's own dereference and transform code. */
function referenceDigest(ref: XmlElement, ctx: ReferenceContext): Uint8Array {
  const dm = firstChild(ref, DSIG_NS, 'DigestMethod');
  const hash = DIGEST_URI[dm ? (attr(dm, 'Algorithm') ?? '') : ''];
  if (!hash) throw new XmlError('XML_UNSUPPORTED', 'unknown digest method');
  const transformsEl = firstChild(ref, DSIG_NS, 'Transforms');
  const transforms = transformsEl ? childElements(transformsEl, DSIG_NS, 'Transform') : [];
  return digestReference(dereference(attr(ref, 'URI'), ctx), transforms, ctx, hash);
}

function signatureById(doc: XmlDocument, id: string): XmlElement {
  const el = doc.ids.get(id);
  if (!el || el.ns !== DSIG_NS || el.local !== 'Signature')
    throw new XmlError('XML_REFUSED', 'signature not found after insertion');
  return el;
}

/** Where to put a child at the end of `el`'s content; a self-closing element is opened. */
function insertionPoint(
  doc: XmlDocument,
  el: XmlElement,
): { at: number; wrap: [string, string]; skip?: number } {
  if (el.contentEnd >= 0) return { at: el.contentEnd, wrap: ['', ''] };
  // <e .../>: drop the '/' and close the element after the insertion.
  const close = doc.text.indexOf('/>', el.start);
  return { at: close, wrap: ['>', `</${el.name}>`], skip: 2 };
}

function endOfElement(doc: XmlDocument, el: XmlElement): number {
  return doc.text.indexOf('>', el.contentEnd) + 1;
}

/** The e-invoice data element: DLHDon (invoice), DLTBao (notice), else the first child with an Id. */
function findDataElement(doc: XmlDocument): XmlElement {
  for (const name of ['DLHDon', 'DLTBao', 'DLTKhai']) {
    for (const el of descendants(doc.root, true)) if (el.local === name && el.ns === '') return el;
  }
  for (const el of childElements(doc.root)) if (attr(el, 'Id')) return el;
  throw new XmlError('XML_REFUSED', 'no e-invoice data element (DLHDon) found');
}

/** Step 3: puts the SignatureValue (XML wire format) into the prepared document. */
export function embedXmlSignature(prepared: PreparedXmlSignature, signatureValue: Uint8Array): Uint8Array {
  const d = prepared.document;
  const o = prepared.signatureValueOffset;
  return new TextEncoder().encode(`${d.slice(0, o)}${toBase64(signatureValue)}${d.slice(o)}`);
}

/**
 * Step 2 through a Signer: signs the SignedInfo bytes (or, for a signer that only signs digests,
 * the prepared digest) and returns the XML wire format (r||s for ECDSA).
 */
export async function signPreparedXml(prepared: PreparedXmlSignature, signer: Signer): Promise<Uint8Array> {
  const alg = prepared.algorithm;
  const raw =
    signer.signDigest && alg.name !== 'Ed25519'
      ? await signer.signDigest(prepared.digest, alg)
      : await signer.sign(prepared.toBeSigned, alg);
  if (alg.name === 'ECDSA') {
    const spec = signer.publicKey.spec;
    if (spec?.type !== 'EC') throw new KysoError('KEY_INVALID', 'ECDSA signature from a key that is not EC');
    return ecdsaDerToP1363(raw, spec.curve);
  }
  return raw;
}

/** One call: prepare, sign with `signer`, embed. */
export async function signXml(
  input: Uint8Array | string,
  signer: Signer,
  opts: Omit<PrepareXmlSignatureOptions, 'certificateChain' | 'algorithm'> & {
    algorithm?: SignatureAlgorithm;
  },
): Promise<Uint8Array> {
  const algorithm = opts.algorithm ?? signer.algorithms[0]!;
  const prepared = prepareXmlSignature(input, {
    ...opts,
    algorithm,
    certificateChain: signer.certificateChain,
  });
  return embedXmlSignature(prepared, await signPreparedXml(prepared, signer));
}

/**
 * Options of `prepareXadesCounterSignature` (and `counterSignXml`): a XAdES counter-signature (ETSI EN
 * 319 132-1 §5.2.7) over an existing signature's SignatureValue.
 */
export interface PrepareCounterSignatureOptions {
  /** The counter-signer's certificate chain, leaf first. */
  certificateChain: readonly Uint8Array[];
  /** The counter-signature's algorithm (never with SHA-1). */
  algorithm: SignatureAlgorithm;
  /** Id of the signature to countersign (default: the first ds:Signature of the document). */
  counterSignedId?: string;
  /** Reference digest (default SHA-256). */
  digest?: Exclude<HashAlgorithm, 'SHA-1'>;
  /** The counter-signature's XAdES SigningTime (default now). */
  signingTime?: Date;
  /** Id of the counter-signature (default: generated). */
  signatureId?: string;
  /** Parser limits for the document. */
  parseOptions?: ParseXmlOptions;
}

const TIME_STAMP_PROPERTIES = new Set([
  'SignatureTimeStamp',
  'ArchiveTimeStamp',
  'SigAndRefsTimeStamp',
  'SigAndRefsTimeStampV2',
  'RefsOnlyTimeStamp',
  'RefsOnlyTimeStampV2',
]);

/**
 * Step 1 of a XAdES counter-signature (EN 319 132-1 5.2.7): a ds:Signature with XAdES B-B signed
 * properties whose Reference (Type CountersignedSignature) covers the countersigned signature's
 * ds:SignatureValue element, put in that signature's xades:CounterSignature unsigned property.
 * What the countersigned signature signs is untouched. A SignatureValue without Id gets one,
 * unless a time-stamp already covers it (then the counter-signature is refused).
 * Steps 2 and 3 are `signPreparedXml` and `embedXmlSignature`, as for any signature.
 */
export function prepareXadesCounterSignature(
  signedXml: Uint8Array | string,
  opts: PrepareCounterSignatureOptions,
): PreparedXmlSignature {
  if (opts.algorithm.name !== 'Ed25519' && opts.algorithm.hash === 'SHA-1')
    throw new KysoError('WEAK_ALGORITHM', 'SHA-1 is never used for new signatures');
  if (opts.certificateChain.length === 0)
    throw new KysoError('INVALID_ARGUMENT', 'the counter-signer has no certificate');
  let doc = parseXml(signedXml, opts.parseOptions);
  if (doc.duplicateIds.size > 0) throw new XmlError('XML_REFUSED', 'the document carries duplicate IDs');
  const pick = (d: XmlDocument): XmlElement | undefined =>
    opts.counterSignedId
      ? d.ids.get(opts.counterSignedId)
      : [...descendants(d)].find((e) => e.ns === DSIG_NS && e.local === 'Signature');
  let master = pick(doc);
  if (!master || master.ns !== DSIG_NS || master.local !== 'Signature')
    throw new XmlError('XML_REFUSED', 'no signature to countersign');
  let text = doc.text;
  const sv0 = firstChild(master, DSIG_NS, 'SignatureValue');
  if (!sv0) throw new XmlError('XML_MALFORMED', 'the countersigned signature has no SignatureValue');
  if (!qualifyingProperties(master))
    throw new XmlError('XML_REFUSED', 'the countersigned signature is not XAdES (no QualifyingProperties)');
  let svId = attr(sv0, 'Id');
  if (!svId) {
    const usp = unsignedSignatureProperties(qualifyingProperties(master)!);
    if (usp && childElements(usp, XADES_NS).some((e) => TIME_STAMP_PROPERTIES.has(e.local)))
      throw new XmlError(
        'XML_REFUSED',
        'the countersigned SignatureValue has no Id and a time-stamp covers it: it cannot be referenced',
      );
    svId = `${attr(master, 'Id') ?? randomId('Signature')}-SignatureValue`;
    if (doc.ids.has(svId)) svId = randomId('SignatureValue');
    const at = sv0.start + 1 + sv0.name.length;
    text = `${text.slice(0, at)} Id="${svId}"${text.slice(at)}`;
    doc = parseXml(text, opts.parseOptions);
    master = pick(doc)!;
  }
  const qp = qualifyingProperties(master)!;
  const mark = `\u0000kyso-countersignature\u0000`;
  const ins = insertUnsignedProperty(text, qp, mark);
  const insertAt = ins.text.indexOf(mark);
  text = ins.text.slice(0, insertAt) + ins.text.slice(insertAt + mark.length);
  const sigId = opts.signatureId ?? randomId('CounterSignature');
  const spId = `${sigId}-SignedProperties`;
  const refs: RefSpec[] = [
    { id: `${sigId}-ref-0`, uri: `#${svId}`, type: COUNTERSIGNED_SIGNATURE_TYPE, transforms: [C14N10] },
    { uri: `#${spId}`, type: SIGNED_PROPERTIES_TYPE, transforms: [C14N10] },
  ];
  const objects = xadesObjectXml('ds:', {
    signatureId: sigId,
    signedPropertiesId: spId,
    signingCertificate: opts.certificateChain[0]!,
    signingTime: opts.signingTime ?? new Date(),
    dataObjects: [],
    digest: opts.digest,
  });
  const parent = unsignedSignatureProperties(qp) ?? qp;
  const decls = missingDecls(parent, { xades: XADES_NS });
  return finishPrepare({
    text,
    insertAt,
    wrap: [`<xades:CounterSignature${decls}>`, '</xades:CounterSignature>'],
    skip: 0,
    refs,
    objects,
    p: 'ds:',
    nsDecl: `xmlns:ds="${DSIG_NS}"`,
    sigId,
    einvoice: false,
    signatureValueId: `${sigId}-SignatureValue`,
    detachedBytes: undefined,
    opts,
    digestUri: DIGEST_URI_OF[opts.digest ?? 'SHA-256'],
    leafSubject: '',
  })!;
}

/** One call: countersigns the first (or the named) XAdES signature of `signedXml` with `signer`. */
export async function counterSignXml(
  signedXml: Uint8Array | string,
  signer: Signer,
  opts: Omit<PrepareCounterSignatureOptions, 'certificateChain' | 'algorithm'> & {
    algorithm?: SignatureAlgorithm;
  } = {},
): Promise<Uint8Array> {
  const algorithm = opts.algorithm ?? signer.algorithms[0]!;
  const prepared = prepareXadesCounterSignature(signedXml, {
    ...opts,
    algorithm,
    certificateChain: signer.certificateChain,
  });
  return embedXmlSignature(prepared, await signPreparedXml(prepared, signer));
}

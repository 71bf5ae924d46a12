/**
 * XML-DSig core validation (XMLDSig 1.1 §3.2): reference validation, then signature validation
 * over the canonicalised SignedInfo. Returns a result object; throws only for a document that is
 * not XML or has no such signature.
 *
 * What is signed is what is returned: `signedElements` are the very nodes the digests covered,
 * taken from the same parsed document; a caller reading data should read those, never look the
 * data up again by name (that is how signature wrapping works).
 */
import {
  type KeyObject,
  createHmac,
  createPublicKey,
  timingSafeEqual,
  verify as nodeVerify,
} from 'node:crypto';
import type { Certificate } from '@kyso/pki-core';
import { c14nAlgorithm, canonicalize } from '../xml/c14n.js';
import {
  type XmlDocument,
  type XmlElement,
  attr,
  childElements,
  descendants,
  firstChild,
} from '../xml/dom.js';
import { XmlError } from '../xml/errors.js';
import type { ParseXmlOptions } from '../xml/parser.js';
import { DSIG_NS, MIN_HMAC_OUTPUT_BITS, SIGNATURE_URI, type XmlSignatureMethod } from './algorithms.js';
import { type CandidateKey, type KeyInfoContent, type KeyInfoOptions, readKeyInfo } from './keyinfo.js';
import {
  type DetachedResolver,
  type ReferenceResult,
  decodeBase64Loose,
  inclusivePrefixes,
  processReference,
  textOf,
} from './reference.js';

/** Maximum References in one SignedInfo or Manifest. */
export const MAX_REFERENCES = 256;
/** Maximum ds:Signature elements verified in one document. */
export const MAX_SIGNATURES = 64;

/**
 * Options of `verifyXmlSignature`: where keys and detached content come from. Trust is not decided
 * here (see `verifyXml`, which validates the signer's certificate path).
 */
export interface VerifyXmlSignatureOptions extends KeyInfoOptions {
  /** Returns the bytes of a reference URI outside the document (detached signatures); none by default. */
  resolveDetached?: DetachedResolver;
  /** Extra keys to try (e.g. a key the caller was told to expect). */
  publicKeys?: readonly Uint8Array[];
  /** HMAC secret (HMAC signatures only verify with a caller-supplied secret). */
  hmacKey?: Uint8Array;
  /** Minimum HMACOutputLength in bits (default 80, and at least half the hash). */
  hmacMinBits?: number;
  /** Used when a transform has to parse octets. */
  parseOptions?: ParseXmlOptions;
  /** Also verify the References of ds:Manifest objects the signature covers (default false). */
  verifyManifests?: boolean;
}

/**
 * The core validation of one ds:Signature (XMLDSig 1.1 §3.2: reference validation and signature
 * validation), without trust in the key: `valid` means the references' digests match and the
 * SignatureValue verifies with one of the candidate keys.
 */
export interface XmlSignatureResult {
  /** The ds:Signature element. */
  signature: XmlElement;
  /** The Signature's Id attribute. */
  id: string | undefined;
  /** The SignatureMethod URI as written. */
  signatureMethod: string;
  /** The CanonicalizationMethod URI of SignedInfo as written. */
  canonicalizationMethod: string;
  /** One result per ds:Reference of SignedInfo, in order. */
  references: ReferenceResult[];
  /** References of the ds:Manifest objects covered (only with `verifyManifests`). */
  manifestReferences: ReferenceResult[];
  /** SignatureValue verified with `key`. */
  signatureValid: boolean;
  /** Every reference digest matched. */
  referencesValid: boolean;
  /** Core validity: signature and references. */
  valid: boolean;
  /** The key that verified the signature (undefined if none did). */
  key?: CandidateKey | { source: 'hmac' };
  /** What the signature's ds:KeyInfo carries (keys, certificates, CRLs, names). */
  keyInfo: KeyInfoContent;
  /** The elements the references cover, from this document (read the data from these). */
  signedElements: XmlElement[];
  /** True when `URI=""` covered the whole document. */
  coversWholeDocument: boolean;
  /** Legacy algorithms (SHA-1) or other remarks. */
  warnings: string[];
  /** Why the signature is not valid, if it is not. */
  error?: { reason: string; message: string };
}

/** All ds:Signature elements of a document, in document order (bounded). */
export function findSignatures(doc: XmlDocument): XmlElement[] {
  const out: XmlElement[] = [];
  for (const el of descendants(doc)) {
    if (el.ns === DSIG_NS && el.local === 'Signature') {
      out.push(el);
      if (out.length > MAX_SIGNATURES)
        throw new XmlError('XML_LIMIT', `more than ${MAX_SIGNATURES} signatures`);
    }
  }
  return out;
}

const HASH_BITS: Record<string, number> = {
  'SHA-1': 160,
  'SHA-224': 224,
  'SHA-256': 256,
  'SHA-384': 384,
  'SHA-512': 512,
};
const NODE_HASH: Record<string, string> = {
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/** Canonical bytes of a SignedInfo (what the signature value covers). */
export function canonicalSignedInfo(signedInfo: XmlElement): Uint8Array {
  const cm = firstChild(signedInfo, DSIG_NS, 'CanonicalizationMethod');
  const uri = cm ? (attr(cm, 'Algorithm') ?? '') : '';
  const c = c14nAlgorithm(uri);
  if (!c) throw new XmlError('XML_UNSUPPORTED', `canonicalization method ${uri} is not supported`);
  return canonicalize(signedInfo, {
    method: c.method,
    comments: c.comments,
    inclusivePrefixes: cm ? inclusivePrefixes(cm) : undefined,
  });
}

/**
 * Core validation of `signature` in `doc` (XMLDSig 1.1 §3.2): every reference is dereferenced,
 * transformed and digested, SignedInfo is canonicalised and its SignatureValue verified with the
 * candidate keys of ds:KeyInfo, the caller's `publicKeys`, or `hmacKey`. A document with duplicate
 * IDs is refused (signature wrapping). Invalid or unsupported content does not throw: `valid` is false
 * and `error.reason` says why (`DIGEST_MISMATCH`, `DUPLICATE_ID`, `KEYINFO_MALFORMED`, an
 * `XmlErrorReason`...). SHA-1 algorithms verify but are listed in `warnings`.
 */
export function verifyXmlSignature(
  doc: XmlDocument,
  signature: XmlElement,
  opts: VerifyXmlSignatureOptions = {},
): XmlSignatureResult {
  const signedInfo = firstChild(signature, DSIG_NS, 'SignedInfo');
  const result: XmlSignatureResult = {
    signature,
    id: attr(signature, 'Id'),
    signatureMethod: '',
    canonicalizationMethod: '',
    references: [],
    manifestReferences: [],
    signatureValid: false,
    referencesValid: false,
    valid: false,
    keyInfo: { candidates: [], certificates: [], crls: [], keyNames: [] },
    signedElements: [],
    coversWholeDocument: false,
    warnings: [],
  };
  const fail = (reason: string, message: string): XmlSignatureResult => {
    result.error ??= { reason, message };
    return result;
  };
  if (!signedInfo) return fail('XML_MALFORMED', 'Signature without SignedInfo');
  if (doc.duplicateIds.size > 0) {
    return fail(
      'DUPLICATE_ID',
      `the document carries duplicate IDs (${[...doc.duplicateIds].slice(0, 3).join(', ')}): refused (signature wrapping)`,
    );
  }
  const cm = firstChild(signedInfo, DSIG_NS, 'CanonicalizationMethod');
  const sm = firstChild(signedInfo, DSIG_NS, 'SignatureMethod');
  result.canonicalizationMethod = cm ? (attr(cm, 'Algorithm') ?? '') : '';
  result.signatureMethod = sm ? (attr(sm, 'Algorithm') ?? '') : '';
  const method: XmlSignatureMethod | undefined = SIGNATURE_URI[result.signatureMethod];
  const ctx = { doc, signature, resolveDetached: opts.resolveDetached, parseOptions: opts.parseOptions };

  // References.
  const refs = childElements(signedInfo, DSIG_NS, 'Reference');
  if (refs.length === 0) return fail('XML_MALFORMED', 'SignedInfo without Reference');
  if (refs.length > MAX_REFERENCES) return fail('XML_LIMIT', `more than ${MAX_REFERENCES} references`);
  for (const r of refs) {
    const rr = processReference(r, ctx);
    result.references.push(rr);
    if (rr.legacyDigest)
      result.warnings.push(`reference ${rr.uri ?? ''} uses SHA-1 (legacy, accepted for verification only)`);
    if (rr.signed?.kind === 'element') result.signedElements.push(rr.signed.element);
    if (rr.signed?.kind === 'document') result.coversWholeDocument = true;
  }
  result.referencesValid = result.references.every((r) => r.valid);
  if (opts.verifyManifests) {
    for (const rr of result.references) {
      if (!rr.valid || rr.signed?.kind !== 'element') continue;
      const m = rr.signed.element;
      const manifests =
        m.ns === DSIG_NS && m.local === 'Manifest' ? [m] : childElements(m, DSIG_NS, 'Manifest');
      for (const man of manifests) {
        for (const r of childElements(man, DSIG_NS, 'Reference').slice(0, MAX_REFERENCES))
          result.manifestReferences.push(processReference(r, ctx));
      }
    }
  }

  // Key candidates.
  try {
    result.keyInfo = readKeyInfo(firstChild(signature, DSIG_NS, 'KeyInfo'), doc, opts);
  } catch (e) {
    if (!(e instanceof XmlError) && !(e instanceof Error && 'code' in e)) throw e;
    return fail('KEYINFO_MALFORMED', (e as Error).message);
  }
  const sv = firstChild(signature, DSIG_NS, 'SignatureValue');
  if (!sv) return fail('XML_MALFORMED', 'Signature without SignatureValue');
  if (!method) return fail('XML_UNSUPPORTED', `signature method ${result.signatureMethod} is not supported`);
  if (method.kind !== 'Ed25519' && method.hash === 'SHA-1') {
    result.warnings.push(
      `signature method ${result.signatureMethod} uses SHA-1 (legacy, accepted for verification only)`,
    );
  }
  let signedBytes: Uint8Array;
  let value: Uint8Array;
  try {
    signedBytes = canonicalSignedInfo(signedInfo);
    value = decodeBase64Loose(textOf(sv));
  } catch (e) {
    if (!(e instanceof XmlError)) throw e;
    return fail(e.reason, e.message);
  }

  if (method.kind === 'HMAC') {
    if (!opts.hmacKey) return fail('NO_KEY', 'HMAC signature and no HMAC key supplied');
    const lenEl = firstChild(sm!, DSIG_NS, 'HMACOutputLength');
    const full = HASH_BITS[method.hash]!;
    let bits = full;
    if (lenEl) {
      const t = textOf(lenEl).trim();
      if (!/^[0-9]{1,4}$/.test(t)) return fail('XML_MALFORMED', 'bad HMACOutputLength');
      bits = Number(t);
    }
    const min = Math.max(opts.hmacMinBits ?? MIN_HMAC_OUTPUT_BITS, full / 2);
    if (bits < min || bits > full || bits % 8 !== 0) {
      return fail('HMAC_TRUNCATED', `HMACOutputLength ${bits} is below the minimum ${min} (CVE-2009-0217)`);
    }
    const mac = createHmac(NODE_HASH[method.hash]!, opts.hmacKey)
      .update(signedBytes)
      .digest()
      .subarray(0, bits / 8);
    result.signatureValid = value.length === mac.length && timingSafeEqual(mac, value);
    if (result.signatureValid) result.key = { source: 'hmac' };
  } else {
    const candidates: CandidateKey[] = [...result.keyInfo.candidates];
    for (const k of opts.publicKeys ?? []) candidates.push({ spki: k, source: 'supplied' });
    if (candidates.length === 0) return fail('NO_KEY', 'no key to verify the signature with');
    for (const k of candidates.slice(0, 16)) {
      if (verifyWithKey(method, k.spki, signedBytes, value)) {
        result.signatureValid = true;
        result.key = k;
        break;
      }
    }
  }
  result.valid = result.signatureValid && result.referencesValid;
  if (!result.signatureValid)
    return fail('SIGNATURE_INVALID', 'the signature value does not verify with any key of the signature');
  if (!result.referencesValid) {
    const bad = result.references.find((r) => !r.valid)!;
    return fail(
      bad.error?.reason ?? 'REFERENCE_INVALID',
      `reference ${bad.uri ?? '(no URI)'}: ${bad.error?.message ?? 'invalid'}`,
    );
  }
  return result;
}

function keyObject(spki: Uint8Array): KeyObject | undefined {
  try {
    return createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/** Verifies a SignatureValue (XML wire format: r||s for (EC)DSA) with node:crypto (OpenSSL). */
export function verifyWithKey(
  method: XmlSignatureMethod,
  spki: Uint8Array,
  data: Uint8Array,
  value: Uint8Array,
): boolean {
  const key = keyObject(spki);
  if (!key) return false;
  const type = key.asymmetricKeyType;
  try {
    switch (method.kind) {
      case 'RSA-PKCS1':
        if (type !== 'rsa') return false;
        return nodeVerify(NODE_HASH[method.hash]!, data, key, value);
      case 'RSA-PSS': {
        if (type !== 'rsa' && type !== 'rsa-pss') return false;
        const saltLength = method.saltLength ?? HASH_BITS[method.hash]! / 8;
        return nodeVerify(NODE_HASH[method.hash]!, data, { key, padding: 6, saltLength }, value);
      }
      case 'ECDSA': {
        if (type !== 'ec') return false;
        const size = curveBytes(key);
        // r||s, each left-padded to the curve size. Some Java versions wrote shorter halves
        // (leading zero octets dropped from both): accepted when the two halves are equal-sized.
        if (value.length === 2 * size)
          return nodeVerify(NODE_HASH[method.hash]!, data, { key, dsaEncoding: 'ieee-p1363' }, value);
        if (value.length % 2 !== 0 || value.length > 2 * size || value.length < size) return false;
        return nodeVerify(NODE_HASH[method.hash]!, data, { key, dsaEncoding: 'der' }, rsToDer(value));
      }
      case 'DSA':
        if (type !== 'dsa') return false;
        return nodeVerify(NODE_HASH[method.hash]!, data, { key, dsaEncoding: 'ieee-p1363' }, value);
      case 'Ed25519':
        if (type !== 'ed25519') return false;
        return nodeVerify(null, data, key, value);
      case 'HMAC':
        return false;
    }
  } catch {
    return false;
  }
}

function curveBytes(key: KeyObject): number {
  const c = key.asymmetricKeyDetails?.namedCurve;
  const sizes: Record<string, number> = {
    prime256v1: 32,
    secp384r1: 48,
    secp521r1: 66,
    brainpoolP256r1: 32,
    brainpoolP384r1: 48,
    brainpoolP512r1: 64,
  };
  return (c && sizes[c]) || 0;
}

function derInt(b: Uint8Array): number[] {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = [...b.subarray(i)];
  if (v[0]! & 0x80) v.unshift(0);
  return [0x02, v.length, ...v];
}

/** r||s (equal halves) to a DER Ecdsa-Sig-Value (sizes here stay below 128 octets). */
function rsToDer(v: Uint8Array): Uint8Array {
  const h = v.length / 2;
  const body = [...derInt(v.subarray(0, h)), ...derInt(v.subarray(h))];
  return Uint8Array.from(
    body.length < 128 ? [0x30, body.length, ...body] : [0x30, 0x81, body.length, ...body],
  );
}

/** Certificates of a result, leaf (the verifying key's certificate) first. */
export function signerCertificate(r: XmlSignatureResult): Certificate | undefined {
  return r.key && 'certificate' in r.key ? r.key.certificate : undefined;
}

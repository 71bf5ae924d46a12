/**
 * KeyInfo: which keys a signature names. X509Data certificates (and X509SubjectName/IssuerSerial/
 * SKI/Digest lookups among caller-supplied certificates), KeyValue (RSA, DSA, dsig11 EC),
 * dsig11 DEREncodedKeyValue, same-document RetrievalMethod and KeyInfoReference, KeyName (looked up
 * in caller-supplied named keys). A key found here is only a candidate: trust is decided elsewhere.
 */
import { createHash } from 'node:crypto';
import { Certificate, der, OID, toHex } from '@kyso/pki-core';
import { type XmlDocument, type XmlElement, attr, childElements, firstChild } from '../xml/dom.js';
import { XmlError } from '../xml/errors.js';
import { DIGEST_URI, DSIG11_NS, DSIG_NS, digestSync } from './algorithms.js';
import { type DetachedResolver, decodeBase64Loose, textOf } from './reference.js';

/**
 * Where a candidate key came from: an X509Data certificate (`x509`), a ds:KeyValue (`keyvalue`), a
 * dsig11:DEREncodedKeyValue (`der-encoded`), a ds:KeyName looked up in the caller's named keys
 * (`keyname`), or a certificate the caller supplied (`supplied`, matched by X509SubjectName,
 * IssuerSerial, SKI or X509Digest).
 */
export type KeySource = 'x509' | 'keyvalue' | 'der-encoded' | 'keyname' | 'supplied';

/**
 * A key the signature's ds:KeyInfo names (XMLDSig 1.1 §4.5). Only a candidate: whether it is trusted
 * is decided by the certificate validation, not here.
 */
export interface CandidateKey {
  /** SubjectPublicKeyInfo DER. */
  spki: Uint8Array;
  /** How the key was found. */
  source: KeySource;
  /** The certificate the key came from, if any. */
  certificate?: Certificate;
}

/** How `readKeyInfo` resolves ds:KeyInfo references to keys the caller knows. */
export interface KeyInfoOptions {
  /** Certificates the caller knows (for X509SubjectName/IssuerSerial/SKI/Digest lookups). */
  certificates?: readonly Certificate[];
  /** Keys by KeyName. */
  namedKeys?: ReadonlyMap<string, Uint8Array>;
  /** Accept bare KeyValue / DEREncodedKeyValue keys (default true; trust is still the caller's). */
  allowKeyValue?: boolean;
  /** Resolves a RetrievalMethod URI outside the document (none by default: no network, no file system). */
  resolveDetached?: DetachedResolver;
}

/**
 * What a ds:KeyInfo carries (XMLDSig 1.1 §4.5): the candidate keys, in document order, and the
 * certificates, CRLs and key names found.
 */
export interface KeyInfoContent {
  /** The keys to try, in document order. */
  candidates: CandidateKey[];
  /** Every certificate carried in X509Data (leaf, intermediates), as parsed. */
  certificates: Certificate[];
  /** CRLs carried in X509Data (DER). */
  crls: Uint8Array[];
  /** ds:KeyName values. */
  keyNames: string[];
}

const MAX_KEYINFO_ITEMS = 64;
/** Named curves accepted in ECKeyValue (urn:oid:...): P-256, P-384, P-521. */
const EC_CURVE_OIDS: ReadonlySet<string> = new Set([OID.secp256r1, OID.secp384r1, OID.secp521r1]);

function b64(el: XmlElement): Uint8Array {
  return decodeBase64Loose(textOf(el));
}

function unsignedInt(el: XmlElement): Uint8Array {
  return der.integerFromUnsigned(b64(el));
}

function rsaSpki(kv: XmlElement): Uint8Array {
  const m = firstChild(kv, DSIG_NS, 'Modulus');
  const e = firstChild(kv, DSIG_NS, 'Exponent');
  if (!m || !e) throw new XmlError('XML_MALFORMED', 'RSAKeyValue without Modulus/Exponent');
  const pub = der.seq(unsignedInt(m), unsignedInt(e));
  return der.seq(der.seq(der.oid(OID.rsaEncryption), der.nul()), der.bitString(pub));
}

function dsaSpki(kv: XmlElement): Uint8Array {
  const get = (n: string): XmlElement => {
    const el = firstChild(kv, DSIG_NS, n);
    if (!el) throw new XmlError('XML_MALFORMED', `DSAKeyValue without ${n}`);
    return el;
  };
  const params = der.seq(unsignedInt(get('P')), unsignedInt(get('Q')), unsignedInt(get('G')));
  return der.seq(der.seq(der.oid(OID.dsa), params), der.bitString(unsignedInt(get('Y'))));
}

function ecSpki(kv: XmlElement): Uint8Array {
  const nc = firstChild(kv, DSIG11_NS, 'NamedCurve');
  const pk = firstChild(kv, DSIG11_NS, 'PublicKey');
  if (!nc || !pk)
    throw new XmlError(
      'XML_UNSUPPORTED',
      'ECKeyValue without NamedCurve/PublicKey (explicit parameters are not supported)',
    );
  const uri = attr(nc, 'URI') ?? '';
  const curve = uri.replace(/^urn:oid:/, '');
  if (!EC_CURVE_OIDS.has(curve)) throw new XmlError('XML_UNSUPPORTED', `EC curve ${uri} is not supported`);
  return der.seq(der.seq(der.oid(OID.ecPublicKey), der.oid(curve)), der.bitString(b64(pk)));
}

function keyValueSpki(kv: XmlElement): Uint8Array | undefined {
  for (const c of childElements(kv)) {
    if (c.ns === DSIG_NS && c.local === 'RSAKeyValue') return rsaSpki(c);
    if (c.ns === DSIG_NS && c.local === 'DSAKeyValue') return dsaSpki(c);
    if (c.ns === DSIG11_NS && c.local === 'ECKeyValue') return ecSpki(c);
  }
  return undefined;
}

function sameDocTarget(doc: XmlDocument, uri: string | undefined): XmlElement | undefined {
  if (!uri?.startsWith('#')) return undefined;
  const id = decodeURIComponent(uri.slice(1));
  if (doc.duplicateIds.has(id))
    throw new XmlError('XML_REFUSED', `ID ${id} is carried by more than one element`);
  return doc.ids.get(id);
}

const nameKey = (s: string): string =>
  s
    .replace(/\s*([,=+])\s*/g, '$1')
    .trim()
    .toLowerCase();

/** Reads a ds:KeyInfo. Malformed content throws XmlError. */
export function readKeyInfo(
  keyInfo: XmlElement | undefined,
  doc: XmlDocument,
  opts: KeyInfoOptions = {},
): KeyInfoContent {
  const out: KeyInfoContent = { candidates: [], certificates: [], crls: [], keyNames: [] };
  if (!keyInfo) return out;
  const allowKeyValue = opts.allowKeyValue ?? true;
  const known = opts.certificates ?? [];
  const addCert = (c: Certificate, source: KeySource = 'x509'): void => {
    if (out.certificates.some((x) => x.der.length === c.der.length && toHex(x.der) === toHex(c.der))) return;
    out.certificates.push(c);
    out.candidates.push({ spki: c.spki, source, certificate: c });
  };
  let items = 0;
  const visit = (ki: XmlElement, depth: number): void => {
    if (depth > 2) throw new XmlError('XML_LIMIT', 'KeyInfo indirection too deep');
    for (const c of childElements(ki)) {
      if (++items > MAX_KEYINFO_ITEMS) throw new XmlError('XML_LIMIT', 'too many KeyInfo items');
      if (c.ns === DSIG_NS && c.local === 'X509Data') x509Data(c);
      else if (c.ns === DSIG_NS && c.local === 'KeyValue') {
        if (!allowKeyValue) continue;
        const spki = keyValueSpki(c);
        if (spki) out.candidates.push({ spki, source: 'keyvalue' });
      } else if (c.ns === DSIG11_NS && c.local === 'DEREncodedKeyValue') {
        if (allowKeyValue) out.candidates.push({ spki: b64(c), source: 'der-encoded' });
      } else if (c.ns === DSIG_NS && c.local === 'KeyName') {
        const n = textOf(c).trim();
        out.keyNames.push(n);
        const k = opts.namedKeys?.get(n);
        if (k) out.candidates.push({ spki: k, source: 'keyname' });
      } else if (c.ns === DSIG_NS && c.local === 'RetrievalMethod') {
        const uri = attr(c, 'URI');
        const type = attr(c, 'Type') ?? '';
        if (type === 'http://www.w3.org/2000/09/xmldsig#rawX509Certificate') {
          const bytes = uri !== undefined && !uri.startsWith('#') ? opts.resolveDetached?.(uri) : undefined;
          if (bytes) addCert(Certificate.fromDer(bytes));
          continue;
        }
        const target = sameDocTarget(doc, uri);
        if (!target) continue;
        if (target.ns === DSIG_NS && target.local === 'X509Data') x509Data(target);
        else if (target.ns === DSIG_NS && target.local === 'KeyValue') {
          if (allowKeyValue) {
            const spki = keyValueSpki(target);
            if (spki) out.candidates.push({ spki, source: 'keyvalue' });
          }
        } else if (allowKeyValue && (target.local === 'RSAKeyValue' || target.local === 'DSAKeyValue')) {
          out.candidates.push({
            spki: target.local === 'RSAKeyValue' ? rsaSpki(target) : dsaSpki(target),
            source: 'keyvalue',
          });
        }
      } else if (c.ns === DSIG11_NS && c.local === 'KeyInfoReference') {
        const target = sameDocTarget(doc, attr(c, 'URI'));
        if (target && target.ns === DSIG_NS && target.local === 'KeyInfo') visit(target, depth + 1);
      }
    }
  };
  const x509Data = (xd: XmlElement): void => {
    for (const c of childElements(xd)) {
      if (c.ns !== DSIG_NS && c.ns !== DSIG11_NS) continue;
      switch (c.local) {
        case 'X509Certificate':
          addCert(Certificate.fromDer(b64(c)));
          break;
        case 'X509CRL':
          out.crls.push(b64(c));
          break;
        case 'X509SubjectName': {
          const want = nameKey(textOf(c));
          for (const k of known)
            if (nameKey(k.subject.toString()) === want || dnVariants(k).has(want)) addCert(k, 'supplied');
          break;
        }
        case 'X509IssuerSerial': {
          const sn = firstChild(c, DSIG_NS, 'X509SerialNumber');
          if (!sn) break;
          const serial = BigInt(textOf(sn).trim());
          for (const k of known) if (k.serialBigInt === serial) addCert(k, 'supplied');
          break;
        }
        case 'X509SKI': {
          const ski = toHex(b64(c));
          for (const k of known)
            if (k.subjectKeyIdentifier && toHex(k.subjectKeyIdentifier) === ski) addCert(k, 'supplied');
          break;
        }
        case 'X509Digest': {
          const alg = DIGEST_URI[attr(c, 'Algorithm') ?? ''];
          if (!alg) break;
          const want = toHex(b64(c));
          for (const k of known) if (toHex(digestSync(alg, k.der)) === want) addCert(k, 'supplied');
          break;
        }
      }
    }
  };
  visit(keyInfo, 0);
  return out;
}

/** Loose DN matching for X509SubjectName (RFC 2253 vs RFC 4514 spellings, reversed order). */
function dnVariants(c: Certificate): Set<string> {
  const s = c.subject.toString();
  const parts = s.split(/,(?=[A-Za-z0-9.]+=)/);
  return new Set([nameKey(s), nameKey(parts.reverse().join(','))]);
}

/** SHA-256 fingerprint (hex) of a certificate, for reports. */
export function certFingerprint(c: Certificate): string {
  return createHash('sha256').update(c.der).digest('hex');
}

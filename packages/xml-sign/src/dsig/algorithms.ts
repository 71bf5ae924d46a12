/**
 * XML-DSig algorithm URIs (XMLDSig 1.1, RFC 9231 "xmldsig-more") and their kyso meaning.
 * SHA-1 (digest, RSA, DSA, ECDSA, HMAC) is verification-only and flagged as legacy; MD5, RIPEMD,
 * GOST and XSLT are not accepted at all.
 */
import { createHash } from 'node:crypto';
import type { HashAlgorithm, SignatureAlgorithm } from '@kyso/pki-core';

/** XML-DSig namespace (XMLDSig 1.1 §4, `ds:`), of Signature, SignedInfo, Reference, KeyInfo... */
export const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
/** XML-DSig 1.1 namespace (`dsig11:`), of ECKeyValue, DEREncodedKeyValue, X509Digest... */
export const DSIG11_NS = 'http://www.w3.org/2009/xmldsig11#';
/** RFC 9231 (xmldsig-more) 2007 namespace, of RSA-PSS parameters (RSAPSSParams). */
export const DSIG_MORE_NS = 'http://www.w3.org/2007/05/xmldsig-more#';

/**
 * Enveloped-signature transform URI (XMLDSig 1.1 §6.6.4): the Signature element is removed from the
 * referenced node-set before digesting.
 */
export const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
/** Base64 decoding transform URI (XMLDSig 1.1 §6.6.2). */
export const BASE64_TRANSFORM = 'http://www.w3.org/2000/09/xmldsig#base64';
/**
 * XSLT transform URI (XMLDSig 1.1 §6.6.5). Never executed: a reference using it is refused
 * (`XML_REFUSED`).
 */
export const XSLT = 'http://www.w3.org/TR/1999/REC-xslt-19991116';
/**
 * XPath filtering transform URI (XMLDSig 1.1 §6.6.3). Only the expression excluding ds:Signature
 * elements is recognised; any other expression is refused (`XML_UNSUPPORTED`).
 */
export const XPATH = 'http://www.w3.org/TR/1999/REC-xpath-19991116';
/**
 * XPath Filter 2.0 transform URI (W3C XML-Signature XPath Filter 2.0). Only the filter excluding
 * ds:Signature elements is recognised; any other is refused (`XML_UNSUPPORTED`).
 */
export const XPATH_FILTER2 = 'http://www.w3.org/2002/06/xmldsig-filter2';

/**
 * Digest algorithms a reference may use when verifying; SHA-1 and SHA-224 are accepted for existing
 * signatures only (kyso writes SHA-256 and above).
 */
export type DigestName = 'SHA-1' | 'SHA-224' | 'SHA-256' | 'SHA-384' | 'SHA-512';

/**
 * DigestMethod URI (XMLDSig 1.1 §6.2, RFC 9231 §2.1) → digest algorithm, for verification. A URI not
 * listed (MD5, RIPEMD-160, GOST...) is refused.
 */
export const DIGEST_URI: Record<string, DigestName> = {
  'http://www.w3.org/2000/09/xmldsig#sha1': 'SHA-1',
  'http://www.w3.org/2001/04/xmldsig-more#sha224': 'SHA-224',
  'http://www.w3.org/2001/04/xmlenc#sha256': 'SHA-256',
  'http://www.w3.org/2001/04/xmldsig-more#sha384': 'SHA-384',
  'http://www.w3.org/2001/04/xmlenc#sha512': 'SHA-512',
};

/** The DigestMethod URI kyso writes for a digest algorithm (XMLDSig 1.1 §6.2, RFC 9231 §2.1). */
export const DIGEST_URI_OF: Record<HashAlgorithm, string> = {
  'SHA-1': 'http://www.w3.org/2000/09/xmldsig#sha1',
  'SHA-256': 'http://www.w3.org/2001/04/xmlenc#sha256',
  'SHA-384': 'http://www.w3.org/2001/04/xmldsig-more#sha384',
  'SHA-512': 'http://www.w3.org/2001/04/xmlenc#sha512',
};

const NODE_HASH: Record<DigestName, string> = {
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/** An incremental node:crypto hash (canonical forms are hashed chunk by chunk). */
export function newHash(alg: DigestName): { update(b: Uint8Array): void; digest(): Uint8Array } {
  const h = createHash(NODE_HASH[alg]);
  return {
    update: (b) => {
      h.update(b);
    },
    digest: () => new Uint8Array(h.digest()),
  };
}

/** Synchronous digest (node:crypto): references are hashed many times per document. */
export function digestSync(alg: DigestName, data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash(NODE_HASH[alg]).update(data).digest());
}

/** A SignatureMethod's meaning (XMLDSig 1.1 §6.3, RFC 9231 §2.2–2.3): the key type, padding and digest. */
export type XmlSignatureMethod =
  | { kind: 'RSA-PKCS1'; hash: DigestName }
  | { kind: 'RSA-PSS'; hash: DigestName; saltLength?: number }
  | { kind: 'ECDSA'; hash: DigestName }
  | { kind: 'DSA'; hash: 'SHA-1' | 'SHA-256' }
  | { kind: 'Ed25519' }
  | { kind: 'HMAC'; hash: DigestName };

/**
 * SignatureMethod URI → its meaning, for verification (RSA PKCS#1 v1.5, RSA-PSS with MGF1, ECDSA,
 * DSA, Ed25519 and HMAC, XMLDSig 1.1 §6.3 and RFC 9231). SHA-1 methods verify but are flagged as
 * legacy; a URI not listed is refused.
 */
export const SIGNATURE_URI: Record<string, XmlSignatureMethod> = {
  'http://www.w3.org/2000/09/xmldsig#rsa-sha1': { kind: 'RSA-PKCS1', hash: 'SHA-1' },
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha224': { kind: 'RSA-PKCS1', hash: 'SHA-224' },
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256': { kind: 'RSA-PKCS1', hash: 'SHA-256' },
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha384': { kind: 'RSA-PKCS1', hash: 'SHA-384' },
  'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512': { kind: 'RSA-PKCS1', hash: 'SHA-512' },
  'http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1': { kind: 'RSA-PSS', hash: 'SHA-256' },
  'http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1': { kind: 'RSA-PSS', hash: 'SHA-384' },
  'http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1': { kind: 'RSA-PSS', hash: 'SHA-512' },
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1': { kind: 'ECDSA', hash: 'SHA-1' },
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha224': { kind: 'ECDSA', hash: 'SHA-224' },
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256': { kind: 'ECDSA', hash: 'SHA-256' },
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384': { kind: 'ECDSA', hash: 'SHA-384' },
  'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512': { kind: 'ECDSA', hash: 'SHA-512' },
  'http://www.w3.org/2000/09/xmldsig#dsa-sha1': { kind: 'DSA', hash: 'SHA-1' },
  'http://www.w3.org/2009/xmldsig11#dsa-sha256': { kind: 'DSA', hash: 'SHA-256' },
  'http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519': { kind: 'Ed25519' },
  'http://www.w3.org/2000/09/xmldsig#hmac-sha1': { kind: 'HMAC', hash: 'SHA-1' },
  'http://www.w3.org/2001/04/xmldsig-more#hmac-sha224': { kind: 'HMAC', hash: 'SHA-224' },
  'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256': { kind: 'HMAC', hash: 'SHA-256' },
  'http://www.w3.org/2001/04/xmldsig-more#hmac-sha384': { kind: 'HMAC', hash: 'SHA-384' },
  'http://www.w3.org/2001/04/xmldsig-more#hmac-sha512': { kind: 'HMAC', hash: 'SHA-512' },
};

/** The SignatureMethod URI kyso writes for a signing algorithm (never SHA-1). */
export function signatureMethodUri(alg: SignatureAlgorithm): string {
  if (alg.name !== 'Ed25519' && alg.hash === 'SHA-1')
    throw new Error('SHA-1 is never used for new signatures');
  switch (alg.name) {
    case 'RSA-PKCS1':
      return `http://www.w3.org/2001/04/xmldsig-more#rsa-${alg.hash.replace('-', '').toLowerCase()}`;
    case 'RSA-PSS':
      return `http://www.w3.org/2007/05/xmldsig-more#${alg.hash.replace('-', '').toLowerCase()}-rsa-MGF1`;
    case 'ECDSA':
      return `http://www.w3.org/2001/04/xmldsig-more#ecdsa-${alg.hash.replace('-', '').toLowerCase()}`;
    case 'Ed25519':
      return 'http://www.w3.org/2021/04/xmldsig-more#eddsa-ed25519';
  }
}

/** Minimum HMAC output accepted (XMLDSig 1.1 §6.3.1, CVE-2009-0217). */
export const MIN_HMAC_OUTPUT_BITS = 80;

/**
 * Validation data for PAdES B-LT: the collector itself lives in pki-core (revocation/collect.ts,
 * shared with xml-sign); here the CMS helpers that find the certificates and time-stamp tokens a
 * PAdES signature carries.
 */
import { parseCms, parseTimeStampToken } from '@kyso/pki-core';

export {
  type CollectedValidationData,
  LevelNotReachedError,
  type RevocationDataFetcher,
  type ValidationDataProblem,
  collectValidationData,
  onlineRevocationFetcher,
  requireLevel,
} from '@kyso/pki-core';

/** Certificates inside a CMS SignedData (signature or time-stamp token). */
export function cmsCertificates(cms: Uint8Array): Uint8Array[] {
  return parseCms(cms).signedData.certificates;
}

/** Time-stamp tokens (id-aa-signatureTimeStampToken) in a CMS's first SignerInfo. */
export function signatureTimeStampTokens(cms: Uint8Array): Uint8Array[] {
  const sd = parseCms(cms).signedData;
  const out: Uint8Array[] = [];
  for (const si of sd.signerInfos) {
    for (const a of si.unsignedAttrs ?? [])
      if (a.type === '1.2.840.113549.1.9.16.2.14') out.push(...a.values);
  }
  return out;
}

export { parseTimeStampToken };

/**
 * Validation data for the signatures already in a document (issue 13, README's flagship flow): when
 * a later signer adds B-LT/B-LTA data, the DSS also receives the certificates and revocation data
 * of every earlier signature and document time-stamp whose certificates it does not hold yet, so
 * that the document time-stamp that follows preserves them too and an earlier B-B signature (the
 * official's) reaches B-LTA with the agency's seal. What cannot be found for an earlier signature
 * never fails the new signature: its own level is judged on its own data.
 */
import { berElementLength, bytesEqual } from '@kyso/pki-core';
import { PdfString } from '../pdf/objects.js';
import type { PdfReader } from '../pdf/reader.js';
import { signatureFields } from './fields.js';
import {
  type CollectedValidationData,
  type RevocationDataFetcher,
  cmsCertificates,
  collectValidationData,
  signatureTimeStampTokens,
} from './validation-data.js';

/** Most earlier signatures whose validation data is collected (each costs network round trips). */
export const MAX_EARLIER_SIGNATURES = 32;

/**
 * The certificate sets (the CMS's own, plus those of its signature time-stamp tokens) of each
 * signature and document time-stamp in `r`; unreadable ones are skipped (the verifier judges them).
 */
export function earlierSignatureCertificateSets(r: PdfReader): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (const f of signatureFields(r)) {
    if (out.length >= MAX_EARLIER_SIGNATURES) break;
    if (!f.value) continue;
    try {
      const c = r.resolve(r.dict(f.value)?.get('Contents'));
      if (!(c instanceof PdfString)) continue;
      const cms = c.bytes.subarray(0, berElementLength(c.bytes));
      const certs = [...cmsCertificates(cms)];
      for (const t of signatureTimeStampTokens(cms)) certs.push(...cmsCertificates(t));
      if (certs.length > 0) out.push(certs);
    } catch {
      // not a readable CMS: nothing to collect for it
    }
  }
  return out;
}

/**
 * Adds to `data` (in place) the validation data of the earlier signatures of `r` whose certificates
 * `data` does not already carry. `missing` stays about the new signature only.
 */
export async function addEarlierSignaturesData(
  data: CollectedValidationData,
  r: PdfReader,
  fetcher: RevocationDataFetcher,
): Promise<CollectedValidationData> {
  const add = (list: Uint8Array[], b: Uint8Array) => {
    if (!list.some((x) => bytesEqual(x, b))) list.push(b);
  };
  for (const set of earlierSignatureCertificateSets(r)) {
    if (set.every((c) => data.certs.some((x) => bytesEqual(x, c)))) continue;
    const more = await collectValidationData(set, fetcher);
    for (const c of more.certs) add(data.certs, c);
    for (const o of more.ocsps) add(data.ocsps, o);
    for (const c of more.crls) add(data.crls, c);
  }
  return data;
}

/**
 * Validation data for PAdES B-LT: certificates, OCSP responses and CRLs for the signer chain and
 * the TSA chain, gathered through an injectable `RevocationDataFetcher` (tests use a local CA, the
 * CLI the pki-core HTTP fetcher).
 */
import {
  Certificate,
  type FetcherOptions,
  RevocationFetcher,
  buildOcspRequest,
  bytesEqual,
  createCertId,
  parseOcspResponse,
  parseTimeStampToken,
  parseCms,
} from '@kyso/pki-core';

export interface RevocationDataFetcher {
  /** A DER OCSPResponse for `cert`, or undefined. */
  ocsp?(cert: Certificate, issuer: Certificate): Promise<Uint8Array | undefined>;
  /** DER CRLs covering `cert`. */
  crls?(cert: Certificate, issuer: Certificate): Promise<Uint8Array[]>;
}

export interface CollectedValidationData {
  certs: Uint8Array[];
  ocsps: Uint8Array[];
  crls: Uint8Array[];
  /** Certificates for which no revocation data was found (non-root). */
  missing: string[];
}

/** Most certificates examined when closing the chain. */
const MAX_COLLECT_CERTS = 64;

function addUnique(list: Uint8Array[], b: Uint8Array): boolean {
  if (list.some((x) => bytesEqual(x, b))) return false;
  list.push(b);
  return true;
}

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

/**
 * Collects certificates and revocation data for every certificate of `certificates` (and of the
 * issuers found among them and `extra`), up to the self-signed roots.
 */
export async function collectValidationData(
  certificates: readonly Uint8Array[],
  fetcher: RevocationDataFetcher,
  opts: { extra?: readonly Uint8Array[] } = {},
): Promise<CollectedValidationData> {
  const out: CollectedValidationData = { certs: [], ocsps: [], crls: [], missing: [] };
  for (const c of [...certificates, ...(opts.extra ?? [])]) addUnique(out.certs, c);
  const parsed = out.certs.map((d) => Certificate.fromDer(d));
  const done = new Set<string>();
  for (let i = 0; i < parsed.length && i < MAX_COLLECT_CERTS; i++) {
    const cert = parsed[i]!;
    const key = `${cert.issuer.toString()}#${cert.serialHex}`;
    if (done.has(key)) continue;
    done.add(key);
    if (cert.isSelfIssued && cert.subject.equals(cert.issuer) && bytesEqual(cert.spki, cert.spki)) {
      if (cert.basicConstraints?.ca) continue; // trust anchor: no revocation data
    }
    if (cert.ocspNoCheck) continue;
    const issuer = parsed.find((p) => p.subject.equals(cert.issuer) && p !== cert);
    if (!issuer) continue;
    let found = false;
    const ocsp = fetcher.ocsp ? await fetcher.ocsp(cert, issuer).catch(() => undefined) : undefined;
    if (ocsp) {
      found = true;
      addUnique(out.ocsps, ocsp);
      // The responder's certificate (delegated responders) goes to /Certs too.
      try {
        const r = parseOcspResponse(ocsp);
        for (const c of r.basic?.certs ?? []) {
          if (addUnique(out.certs, c.der)) parsed.push(c);
        }
      } catch {
        // keep the response; its verifier will judge it
      }
    }
    if (!found && fetcher.crls) {
      const crls = await fetcher.crls(cert, issuer).catch(() => []);
      for (const c of crls) addUnique(out.crls, c);
      found = crls.length > 0;
    }
    if (!found) out.missing.push(cert.subject.toString());
  }
  return out;
}

/** Online fetcher over pki-core's RevocationFetcher: OCSP from AIA, else CRLs from CRLDP. */
export function onlineRevocationFetcher(opts: FetcherOptions = {}): RevocationDataFetcher {
  const f = new RevocationFetcher(opts);
  const ocspUrls = (cert: Certificate): string[] =>
    (cert.authorityInfoAccess ?? [])
      .filter((a) => a.method === '1.3.6.1.5.5.7.48.1' && a.location.type === 'uri')
      .map((a) => (a.location as { value: string }).value);
  return {
    async ocsp(cert, issuer) {
      const urls = ocspUrls(cert);
      if (urls.length === 0) return undefined;
      const id = await createCertId(cert, issuer);
      const req = buildOcspRequest({ certIds: [id] });
      for (const u of urls) {
        try {
          return await f.fetchOcsp(u, req.der);
        } catch {
          // try the next responder
        }
      }
      return undefined;
    },
    async crls(cert) {
      const out: Uint8Array[] = [];
      for (const dp of cert.crlDistributionPoints ?? []) {
        for (const n of dp.distributionPoint?.fullName ?? []) {
          if (n.type !== 'uri') continue;
          try {
            out.push((await f.fetchCrl(n.value)).der);
            break;
          } catch {
            // next URL
          }
        }
      }
      return out;
    },
  };
}

export { parseTimeStampToken };

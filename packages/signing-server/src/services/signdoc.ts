/**
 * CSC `signatures/signDoc` with PAdES (signature_format P) and XAdES (signature_format X),
 * B-B / B-T / B-LT / B-LTA:
 *
 * - `documentDigests`: the client keeps the PDF (pdf-sign `preparePdfSignature` on its side) and
 *   sends the ByteRange digest; the SAD must cover that digest; the answer is the CMS
 *   (SignatureObject) with signing-certificate-v2, plus a signature time-stamp from B-T, plus
 *   `validationInfo` when asked (the client writes the DSS for B-LT with pdf-sign `addDss`).
 * - `documents`: the PDF travels. Because SCAL2 binds the SAD to the exact digest, the digest
 *   must be known *before* authorisation, so a document is first sent to `signatures/prepareDoc`
 *   (kyso extension): the server adds the signature placeholder, stores the prepared document and
 *   returns its digest; the client gets that digest authorised (authorisation page, approval or
 *   explicit), then calls signDoc with the same document and receives the signed PDF. The stored
 *   preparation is found by client, credential and SHA-256 of the original PDF.
 *
 * XAdES (X) travels as `documents` only, through prepareDoc like a PDF: @kyso/xml-sign prepares an
 * enveloped (or, with signed_envelope_property Enveloping, enveloping) XAdES B-B signature with the
 * credential's chain; its digest is the digest of the canonical SignedInfo, which the SAD covers;
 * signDoc signs it with the same Signer seam and returns the signed XML, upgraded after the
 * commit to B-T (SignatureTimeStamp), B-LT (CertificateValues, RevocationValues) and B-LTA
 * (xades141:ArchiveTimeStamp).
 *
 * The SAD is consumed with the same conditional UPDATE as signHash, in the transaction that
 * creates the CMS and writes the audit record. Time-stamps and revocation data (which need the
 * database themselves) come after the commit.
 */
import {
  addSignatureTimeStamp,
  buildOcspRequest,
  buildTimeStampReq,
  Certificate,
  createCertId,
  type HashAlgorithm,
  parseTimeStampResp,
  type SignatureAlgorithm,
  type TimeStamper,
  HASH_LEN,
} from '@kyso/pki-core';
import {
  type AppearanceProvider,
  type CollectedValidationData,
  cmsCertificates,
  collectValidationData,
  completeLongTermLevel,
  embedSignature,
  estimatePlaceholder,
  isPng,
  LevelNotReachedError,
  type PadesLevel,
  type PersonAppearanceOptions,
  type PreparedPdfSignature,
  personAppearance,
  preparePdfSignature,
  requireLevel,
  type Rect,
  type RevocationDataFetcher,
  type StampAppearanceOptions,
  sealAppearance,
  signatureTimeStampTokens,
  signPreparedDigest,
  stampAppearance,
} from '@kyso/pdf-sign';
import {
  type PreparedXmlSignature,
  addXadesArchiveTimeStamp,
  addXadesSignatureTimeStamp,
  addXadesValidationData,
  embedXmlSignature,
  prepareXmlSignature,
  signPreparedXml,
} from '@kyso/xml-sign';
import { appendAudit } from '../audit.js';
import { credentialKey, getCredential } from '../db/credentials.js';
import { consumeSad, sadRefusal } from '../db/sads.js';
import { checkSigningParams, SigningParamsError, signingAlgorithm } from '../vault/params.js';
import { VaultSigner } from '../vault/signer.js';
import type { StoredKey } from '../vault/types.js';
import type { CaService } from './ca.js';
import { ApiError, type Ctx, b64, badRequest, fromB64, newId, sha256 } from './common.js';
import { type CscService, HASH_OID_BY_NAME, hashAlgFromOid } from './csc.js';

/** How long a prepared document waits for its signature (covers the 5-minute approval). */
export const PREPARED_DOCUMENT_SECONDS = 900;

interface PdfOptions {
  /** P (PAdES, default) or X (XAdES: documents through prepareDoc only). */
  signature_format?: string;
  conformance_level?: string;
  signAlgo?: string;
  signAlgoParams?: string;
  /** PAdES: Certification or Revision; XAdES: Enveloped (default) or Enveloping. */
  signed_envelope_property?: 'Certification' | 'Revision' | 'Enveloped' | 'Enveloping';
  reason?: string;
  location?: string;
  fieldName?: string;
  label?: string;
}

/**
 * A visible signature (Decree 30/2020 appearances from pdf-sign), kyso extension of prepareDoc:
 * - `person`: the competent official's block in `rect`: `title` lines (upper case, bold), the
 *   handwritten signature `image` (PNG, optional), the `name` (default: the certificate CN);
 * - `seal`: the agency seal `image` (PNG, required) at real size (`sealSizeMm`, else the PNG's
 *   pHYs, else 36 mm) centred in `rect` (put it over the left third of the official's image,
 *   e.g. pdf-sign `sealRectFor`);
 * - `stamp`: text for appendices / electronic copies (`agency`, `documentNumber`, `copy`), top
 *   right of the page unless `rect` is given.
 * `page` is 0-based (default 0, or the page of an existing `fieldName`); `rect` is
 * [x1, y1, x2, y2] in PDF points (page space). Without `rect`, an existing field's rectangle is used.
 */
export interface AppearanceInput {
  kind: 'person' | 'seal' | 'stamp';
  page?: number;
  rect?: number[];
  title?: string[];
  name?: string;
  /** Base64 PNG, at most MAX_APPEARANCE_IMAGE_BYTES and MAX_APPEARANCE_IMAGE_SIDE pixels a side. */
  image?: string;
  sealSizeMm?: number;
  agency?: string;
  documentNumber?: string;
  copy?: boolean;
}

/** Largest appearance image (decoded PNG file) accepted by prepareDoc. */
export const MAX_APPEARANCE_IMAGE_BYTES = 256 * 1024;
/** Largest width or height (pixels) of an appearance image. */
export const MAX_APPEARANCE_IMAGE_SIDE = 4096;

function appearanceImage(s: string | undefined, what: string): Uint8Array | undefined {
  if (s === undefined) return undefined;
  const b = fromB64(s);
  if (!b) throw badRequest(`appearance.image (${what}) must be base64`);
  if (b.length > MAX_APPEARANCE_IMAGE_BYTES)
    throw badRequest(`appearance.image is larger than ${MAX_APPEARANCE_IMAGE_BYTES} bytes`);
  if (!isPng(b) || b.length < 33) throw badRequest('appearance.image must be a PNG');
  // IHDR (always the first chunk): width and height, big-endian, at bytes 16 and 20.
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const w = dv.getUint32(16);
  const h = dv.getUint32(20);
  if (w === 0 || h === 0 || w > MAX_APPEARANCE_IMAGE_SIDE || h > MAX_APPEARANCE_IMAGE_SIDE)
    throw badRequest(`appearance.image must be at most ${MAX_APPEARANCE_IMAGE_SIDE} pixels a side`);
  return b;
}

/** Builds the pdf-sign appearance provider, page and rectangle of a prepareDoc document. */
export function visibleSignature(a: AppearanceInput): {
  appearance: AppearanceProvider;
  page?: number;
  rect?: Rect;
} {
  let rect: Rect | undefined;
  if (a.rect !== undefined) {
    const r = a.rect;
    if (
      !Array.isArray(r) ||
      r.length !== 4 ||
      !r.every((v) => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= 14_400) ||
      !(r[2]! > r[0]! && r[3]! > r[1]!)
    )
      throw badRequest('appearance.rect must be [x1, y1, x2, y2] in points with x2 > x1 and y2 > y1');
    rect = [r[0]!, r[1]!, r[2]!, r[3]!];
  }
  if (a.page !== undefined && !(Number.isInteger(a.page) && a.page >= 0 && a.page <= 100_000))
    throw badRequest('appearance.page must be a page index from 0');
  let appearance: AppearanceProvider;
  switch (a.kind) {
    case 'person': {
      const title = a.title ?? [];
      if (!Array.isArray(title) || title.length > 6 || !title.every((t) => typeof t === 'string'))
        throw badRequest('appearance.title must be at most 6 lines');
      const o: PersonAppearanceOptions = { titleLines: title };
      if (a.name !== undefined) o.name = a.name;
      const img = appearanceImage(a.image, 'signature');
      if (img) o.signatureImage = img;
      appearance = personAppearance(o);
      break;
    }
    case 'seal': {
      const img = appearanceImage(a.image, 'seal');
      if (!img) throw badRequest('appearance.image (the seal PNG) is required for kind seal');
      if (a.sealSizeMm !== undefined && !(a.sealSizeMm >= 5 && a.sealSizeMm <= 100))
        throw badRequest('appearance.sealSizeMm must be between 5 and 100');
      appearance = sealAppearance({
        sealImage: img,
        ...(a.sealSizeMm !== undefined ? { sizeMm: a.sealSizeMm } : {}),
      });
      break;
    }
    case 'stamp': {
      if (a.image !== undefined) throw badRequest('appearance.image is not used by kind stamp');
      if (!a.agency) throw badRequest('appearance.agency is required for kind stamp');
      const o: StampAppearanceOptions = { kind: a.copy ? 'copy' : 'appendix', agency: a.agency };
      if (a.documentNumber !== undefined) o.documentNumber = a.documentNumber;
      if (rect) o.rect = rect;
      appearance = stampAppearance(o);
      break;
    }
    default:
      throw badRequest('appearance.kind must be person, seal or stamp');
  }
  return {
    appearance,
    ...(a.page !== undefined ? { page: a.page } : {}),
    ...(rect ? { rect } : {}),
  };
}

export interface SignDocInput {
  credentialID: string;
  SAD?: string;
  documentDigests?: ({ hashes: string[]; hashAlgorithmOID: string } & PdfOptions)[];
  documents?: ({ document: string } & PdfOptions)[];
  returnValidationInfo?: boolean;
}

export interface SignDocOutput {
  DocumentWithSignature?: string[];
  SignatureObject?: string[];
  validationInfo?: { ocsp: string[]; crl: string[]; certificates: string[] };
}

export function padesLevel(conformance: string | undefined): PadesLevel {
  if (conformance === undefined) return 'B-B';
  const m = /^AdES-(B-B|B-T|B-LT|B-LTA)$/i.exec(conformance);
  if (!m) throw badRequest('conformance_level must be Ades-B-B, Ades-B-T, Ades-B-LT or Ades-B-LTA');
  return m[1]!.toUpperCase() as PadesLevel;
}

function checkFormat(o: PdfOptions): 'P' | 'X' {
  const f = o.signature_format ?? 'P';
  if (f !== 'P' && f !== 'X') throw badRequest('signature_format must be P (PAdES) or X (XAdES)');
  const env = o.signed_envelope_property;
  if (env !== undefined) {
    const ok =
      f === 'P' ? env === 'Certification' || env === 'Revision' : env === 'Enveloped' || env === 'Enveloping';
    if (!ok)
      throw badRequest(
        f === 'P'
          ? 'signed_envelope_property for P must be Certification or Revision'
          : 'signed_envelope_property for X must be Enveloped or Enveloping',
      );
  }
  return f;
}

/** The prepared XML signature as stored (prepared_documents.prepared JSON; the document in `document`). */
interface StoredXml {
  format: 'X';
  signatureValueOffset: number;
  toBeSigned: string;
  digest: string;
  algorithm: SignatureAlgorithm;
  signatureId: string;
}

function decodeXml(s: string, limit: number): Uint8Array {
  const b = fromB64(s);
  if (!b) throw badRequest('document must be base64');
  if (b.length > limit) throw new ApiError(413, 'invalid_request', `document larger than ${limit} bytes`);
  return b;
}

function decodePdf(s: string, limit: number): Uint8Array {
  const b = fromB64(s);
  if (!b) throw badRequest('document must be base64');
  if (b.length > limit) throw new ApiError(413, 'invalid_request', `document larger than ${limit} bytes`);
  if (b.length < 8 || Buffer.from(b.subarray(0, 5)).toString('latin1') !== '%PDF-')
    throw badRequest('document is not a PDF');
  return b;
}

interface PreparedRow {
  id: string;
  prepared: unknown;
  document: Uint8Array;
  conformance_level: string;
}

/** The hash of a prepared XML signature's digest (Ed25519 is refused for X at prepareDoc). */
function hashOfXml(x: PreparedXmlSignature): HashAlgorithm {
  return x.algorithm.name === 'Ed25519' ? 'SHA-512' : x.algorithm.hash;
}

/** One document or digest of a signDoc request, checked, before the SAD is spent. */
interface SignDocJob {
  digest: Uint8Array;
  hash: HashAlgorithm;
  level: PadesLevel;
  alg: SignatureAlgorithm;
  prepared?: PreparedPdfSignature;
  xml?: PreparedXmlSignature;
  preparedId?: string;
}

export class SignDocService {
  constructor(
    readonly ctx: Ctx,
    readonly ca: CaService,
    readonly csc: CscService,
  ) {}

  get documentLimit(): number {
    // The base64 body limit bounds it too; this is the decoded size.
    return this.ctx.config.documentLimitBytes ?? 16 * 1024 * 1024;
  }

  /** Credential, its key, chain (leaf first) and status checks (Decree 23/2025 Art. 15). */
  async #credential(clientId: string, credentialId: string) {
    const info = (await this.csc.info(clientId, credentialId, { certificates: 'chain' })) as unknown as {
      key: { status: string };
      cert: { status: string; certificates: string[] };
    };
    if (info.key.status !== 'enabled') throw badRequest('the credential is disabled');
    if (info.cert.certificates.length === 0) throw badRequest('the credential has no certificate');
    if (info.cert.status !== 'valid') throw badRequest(`Signing certificate is ${info.cert.status}`);
    const row = (await getCredential(this.ctx.db, credentialId))!;
    if (row.ca_id) await this.ca.assertIssuerValid(row.ca_id);
    const key = await credentialKey(this.ctx.db, row.key_id);
    const chain = info.cert.certificates.map((c) => new Uint8Array(Buffer.from(c, 'base64')));
    return { key, chain, signer: new VaultSigner(this.ctx.vaults.byName(key.vault), key, chain) };
  }

  /**
   * The signature algorithm for one document (src/vault/params.ts, the vaults' own rule, digest
   * included): refused with 400 invalid_request before the SAD is consumed. RSASSA-PSS without
   * signAlgoParams signs with saltLength = hLen.
   */
  #algorithm(
    spec: StoredKey['spec'],
    hash: HashAlgorithm,
    signAlgo: string | undefined,
    signAlgoParams: string | undefined,
    digest: Uint8Array,
  ): SignatureAlgorithm {
    try {
      const alg = signingAlgorithm(signAlgo, signAlgoParams, hash, spec, { pssDefault: true });
      checkSigningParams(alg, spec, [digest]);
      return alg;
    } catch (e) {
      if (e instanceof SigningParamsError) throw badRequest(e.message);
      throw e;
    }
  }

  timeStamper(): TimeStamper {
    return async (digest, hashAlgorithm) => {
      const tsa = [...this.ca.cas.values()].find((c) => c.tsa)?.tsa;
      if (!tsa) throw new ApiError(501, 'temporarily_unavailable', 'no time-stamping unit configured');
      const req = await buildTimeStampReq({ digest, hashAlgorithm, certReq: true });
      const resp = parseTimeStampResp(await tsa.respond(req.der));
      if (!resp.token) throw new ApiError(500, 'server_error', 'the TSA refused the request');
      return resp.token;
    };
  }

  /** Revocation data from the server's own CAs (OCSP for what they issued, their CRLs). */
  revocation(): RevocationDataFetcher {
    return {
      ocsp: async (cert: Certificate, issuer: Certificate) => {
        const req = buildOcspRequest({ certIds: [await createCertId(cert, issuer, 'SHA-256')] });
        const resp = await this.ca.ocsp(req.der);
        return resp.length > 5 ? resp : undefined;
      },
      crls: async (_cert: Certificate, issuer: Certificate) => {
        for (const [id, ca] of this.ca.cas)
          if (Buffer.from(ca.cert.der).equals(Buffer.from(issuer.der))) return [await this.ca.currentCrl(id)];
        return [];
      },
    };
  }

  // --- prepareDoc --------------------------------------------------------------------------------

  async prepare(
    clientId: string,
    input: {
      credentialID: string;
      hashAlgorithmOID?: string;
      documents: ({ document: string; appearance?: AppearanceInput } & PdfOptions)[];
    },
  ): Promise<{
    documentDigests: { hash: string; label?: string }[];
    hashAlgorithmOID: string;
    expiresIn: number;
  }> {
    const { key, chain, signer } = await this.#credential(clientId, input.credentialID);
    const hash = hashAlgFromOid(input.hashAlgorithmOID ?? HASH_OID_BY_NAME['SHA-256']);
    const leaf = Certificate.fromDer(chain[0]!);
    const out: { hash: string; label?: string }[] = [];
    const rows: [string, Uint8Array, PreparedPdfSignature | StoredXml, PadesLevel, Uint8Array?][] = [];
    for (const d of input.documents) {
      const format = checkFormat(d);
      const level = padesLevel(d.conformance_level);
      if (format === 'X') {
        if (d.appearance) throw badRequest('appearance is for PDF documents (signature_format P)');
        const xml = decodeXml(d.document, this.documentLimit);
        // The SignatureMethod is inside SignedInfo: the algorithm is fixed now, not at signDoc.
        const alg = this.#algorithm(
          key.spec,
          hash,
          d.signAlgo,
          d.signAlgoParams,
          new Uint8Array(HASH_LEN[hash]),
        );
        if (alg.name === 'RSA-PSS' && alg.saltLength !== HASH_LEN[hash])
          throw badRequest('XAdES with RSASSA-PSS uses a salt as long as the hash (xmldsig-more MGF1)');
        let prepared: PreparedXmlSignature;
        try {
          prepared = prepareXmlSignature(xml, {
            certificateChain: chain,
            algorithm: alg,
            packaging: d.signed_envelope_property === 'Enveloping' ? 'enveloping' : 'enveloped',
            digest: hash === 'SHA-1' ? 'SHA-256' : hash,
            xades: {},
          });
        } catch (e) {
          throw badRequest(`the XML document cannot be prepared: ${(e as Error).message}`);
        }
        const stored: StoredXml = {
          format: 'X',
          signatureValueOffset: prepared.signatureValueOffset,
          toBeSigned: b64(prepared.toBeSigned),
          digest: b64(prepared.digest),
          algorithm: prepared.algorithm,
          signatureId: prepared.signatureId,
        };
        rows.push([b64(sha256(xml)), xml, stored, level, new TextEncoder().encode(prepared.document)]);
        out.push({ hash: stored.digest, ...(d.label ? { label: d.label } : {}) });
        continue;
      }
      const pdf = decodePdf(d.document, this.documentLimit);
      const visible = d.appearance ? visibleSignature(d.appearance) : {};
      let prepared: PreparedPdfSignature;
      try {
        prepared = await preparePdfSignature(pdf, {
          digestAlgorithm: hash,
          signingTime: this.ctx.clock.now(),
          placeholderSize: estimatePlaceholder({
            certificates: chain,
            signer,
            timestamp: level !== 'B-B',
          }),
          signerCertificate: leaf,
          ...(d.reason !== undefined ? { reason: d.reason } : {}),
          ...(d.location !== undefined ? { location: d.location } : {}),
          ...(d.fieldName !== undefined ? { fieldName: d.fieldName } : {}),
          ...(d.signed_envelope_property === 'Certification' ? { certify: 2 as const } : {}),
          ...visible,
        });
      } catch (e) {
        throw badRequest(`the PDF cannot be prepared: ${(e as Error).message}`);
      }
      rows.push([b64(sha256(pdf)), pdf, prepared, level]);
      out.push({ hash: b64(prepared.digest), ...(d.label ? { label: d.label } : {}) });
    }
    await this.ctx.db.tx(async (q) => {
      for (const [, pdf, p, level, xmlDocument] of rows) {
        const { document, ...meta } =
          'format' in p ? { ...p, document: xmlDocument! } : { ...p, digest: b64(p.digest) };
        await q.query(
          `INSERT INTO prepared_documents (id, client_id, credential_id, original_sha256, prepared, document, conformance_level, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $9::timestamptz + make_interval(secs => $8))`,
          [
            newId('pd'),
            clientId,
            input.credentialID,
            sha256(pdf),
            JSON.stringify(meta),
            document,
            level,
            PREPARED_DOCUMENT_SECONDS,
            this.ctx.clock.now().toISOString(),
          ],
        );
      }
      await appendAudit(q, {
        actor: `client:${clientId}`,
        action: 'signdoc.prepare',
        subject: input.credentialID,
        details: {
          documents: rows.map(([h]) => h),
          digests: out.map((o) => o.hash),
          appearances: input.documents.map((d) => d.appearance?.kind ?? null),
        },
      });
    });
    return {
      documentDigests: out,
      hashAlgorithmOID: HASH_OID_BY_NAME[hash]!,
      expiresIn: PREPARED_DOCUMENT_SECONDS,
    };
  }

  // --- signDoc -----------------------------------------------------------------------------------

  /** signDoc with documentDigests: one job per hash, its algorithm checked. */
  #digestJobs(
    spec: StoredKey['spec'],
    documentDigests: NonNullable<SignDocInput['documentDigests']>,
  ): SignDocJob[] {
    const jobs: SignDocJob[] = [];
    for (const d of documentDigests) {
      if (checkFormat(d) === 'X')
        throw badRequest(
          'signature_format X is signed as documents prepared with prepareDoc, not documentDigests',
        );
      const hash = hashAlgFromOid(d.hashAlgorithmOID);
      const level = padesLevel(d.conformance_level);
      for (const h of d.hashes) {
        const digest = fromB64(h);
        if (!digest || digest.length !== HASH_LEN[hash])
          throw badRequest(`every hash must be a base64 ${hash} digest`);
        jobs.push({
          digest,
          hash,
          level,
          alg: this.#algorithm(spec, hash, d.signAlgo, d.signAlgoParams, digest),
        });
      }
    }
    return jobs;
  }

  /** signDoc with documents: each matched to its prepareDoc row (same client, credential and bytes). */
  async #documentJobs(clientId: string, input: SignDocInput, spec: StoredKey['spec']): Promise<SignDocJob[]> {
    const jobs: SignDocJob[] = [];
    for (const d of input.documents!) {
      const format = checkFormat(d);
      const pdf =
        format === 'X'
          ? decodeXml(d.document, this.documentLimit)
          : decodePdf(d.document, this.documentLimit);
      const row = (
        await this.ctx.db.query<PreparedRow>(
          `SELECT id, prepared, document, conformance_level FROM prepared_documents
           WHERE client_id = $1 AND credential_id = $2 AND original_sha256 = $3 AND expires_at > $4::timestamptz
           ORDER BY created_at DESC LIMIT 1`,
          [clientId, input.credentialID, sha256(pdf), this.ctx.clock.now().toISOString()],
        )
      ).rows[0];
      if (!row)
        throw badRequest(
          'the document was not prepared (call signatures/prepareDoc first) or the preparation expired',
        );
      const meta = (typeof row.prepared === 'string' ? JSON.parse(row.prepared) : row.prepared) as Omit<
        PreparedPdfSignature,
        'document' | 'digest'
      > & { digest: string };
      const level = row.conformance_level as PadesLevel;
      if (d.conformance_level !== undefined && padesLevel(d.conformance_level) !== level)
        throw badRequest('conformance_level differs from the one given to prepareDoc');
      if ((format === 'X') !== ('format' in meta && meta.format === 'X'))
        throw badRequest('signature_format differs from the one given to prepareDoc');
      if (format === 'X') {
        const x = meta as unknown as StoredXml;
        const xml: PreparedXmlSignature = {
          document: new TextDecoder().decode(row.document),
          signatureValueOffset: x.signatureValueOffset,
          toBeSigned: fromB64(x.toBeSigned)!,
          digest: fromB64(x.digest)!,
          algorithm: x.algorithm,
          signatureId: x.signatureId,
        };
        if (d.signAlgo !== undefined) {
          const want = this.#algorithm(spec, hashOfXml(xml), d.signAlgo, d.signAlgoParams, xml.digest);
          if (JSON.stringify(want) !== JSON.stringify(xml.algorithm))
            throw badRequest('signAlgo differs from the one given to prepareDoc');
        }
        jobs.push({
          digest: xml.digest,
          hash: hashOfXml(xml),
          level,
          alg: xml.algorithm,
          xml,
          preparedId: row.id,
        });
        continue;
      }
      const prepared: PreparedPdfSignature = {
        ...meta,
        digest: fromB64(meta.digest)!,
        document: new Uint8Array(row.document),
      };
      jobs.push({
        digest: prepared.digest,
        hash: prepared.digestAlgorithm,
        level,
        alg: this.#algorithm(spec, prepared.digestAlgorithm, d.signAlgo, d.signAlgoParams, prepared.digest),
        prepared,
        preparedId: row.id,
      });
    }
    return jobs;
  }

  /**
   * B-LT/B-LTA need validation data that proves the status of the signer's certificates: checked
   * before the SAD is spent, so a level the server cannot reach costs the subscriber no approval.
   */
  async #requireLongTermReachable(jobs: SignDocJob[], chain: Uint8Array[]): Promise<void> {
    const longTerm = jobs.find((j) => j.level === 'B-LT' || j.level === 'B-LTA');
    if (!longTerm) return;
    try {
      requireLevel(await collectValidationData(chain, this.revocation()), longTerm.level);
    } catch (e) {
      if (e instanceof LevelNotReachedError) throw badRequest(e.message);
      throw e;
    }
  }

  async signDoc(clientId: string, input: SignDocInput): Promise<SignDocOutput> {
    if (!!input.documentDigests === !!input.documents)
      throw badRequest('give either documentDigests or documents');
    const { key, chain, signer } = await this.#credential(clientId, input.credentialID);
    const spec = key.spec;

    const jobs = input.documentDigests
      ? this.#digestJobs(spec, input.documentDigests)
      : await this.#documentJobs(clientId, input, spec);
    if (jobs.length === 0) throw badRequest('nothing to sign');
    const hashAlgs = new Set(jobs.map((j) => j.hash));
    if (hashAlgs.size !== 1) throw badRequest('all documents must use the same hash algorithm');
    const hash = jobs[0]!.hash;
    const canon = jobs.map((j) => b64(j.digest));
    if (new Set(canon).size !== canon.length) throw badRequest('duplicate document digest');
    await this.#requireLongTermReachable(jobs, chain);
    const sad = typeof input.SAD === 'string' ? input.SAD : '';
    const actor = `client:${clientId}`;

    // Consume the SAD for the document digests and build the CMS signatures, atomically.
    const result = await this.ctx.db.tx(async (q) => {
      const sadHash = sha256(sad);
      const remaining = await consumeSad(q, {
        now: this.ctx.clock.now(),
        sadHash,
        clientId,
        credentialId: input.credentialID,
        hashAlg: hash,
        hashes: canon,
      });
      if (remaining === null) {
        const why = await sadRefusal(q, sadHash, clientId, input.credentialID, this.ctx.clock.now());
        await appendAudit(q, {
          actor,
          action: 'signature.refused',
          subject: input.credentialID,
          details: { reason: why, hashes: canon, method: 'signDoc' },
        });
        return { refused: why };
      }
      const cmss: Uint8Array[] = [];
      for (const j of jobs)
        cmss.push(
          j.xml
            ? await signPreparedXml(j.xml, signer)
            : await signPreparedDigest({ digest: j.digest, digestAlgorithm: j.hash }, signer, {
                signatureAlgorithm: j.alg,
              }),
        );
      await appendAudit(q, {
        actor,
        action: 'signature.create',
        subject: input.credentialID,
        details: {
          method: 'signDoc',
          format: jobs.every((j) => j.xml) ? 'XAdES' : jobs.some((j) => j.xml) ? 'PAdES+XAdES' : 'PAdES',
          levels: jobs.map((j) => j.level),
          documentDigests: canon,
          algorithm: jobs[0]!.alg,
          remaining,
        },
      });
      return { cmss };
    });
    if ('refused' in result) {
      if (result.refused === 'Hash is not authorized by the SAD')
        throw new ApiError(403, 'invalid_hash', result.refused);
      throw badRequest(result.refused ?? 'refused');
    }

    // After the commit: signature time-stamps, then (documents) embedding, DSS, document time-stamp.
    const ts = this.timeStamper();
    const out: SignDocOutput = {};
    const signatureObjects: string[] = [];
    const documents: string[] = [];
    const vi: CollectedValidationData[] = [];
    for (let i = 0; i < jobs.length; i++) {
      const j = jobs[i]!;
      if (j.xml) {
        const done = await this.#xadesLevels(embedXmlSignature(j.xml, result.cmss[i]!), j.level, chain, ts);
        if (input.returnValidationInfo && done.validationData) vi.push(done.validationData);
        documents.push(b64(done.xml));
        await this.ctx.db.query('DELETE FROM prepared_documents WHERE id = $1', [j.preparedId]);
        continue;
      }
      let cms = result.cmss[i]!;
      if (j.level !== 'B-B') cms = await addSignatureTimeStamp(cms, ts, { hashAlgorithm: j.hash });
      const lt = j.level === 'B-LT' || j.level === 'B-LTA';
      if (j.prepared) {
        let pdf = embedSignature(j.prepared, cms);
        if (lt) {
          // DSS with data that proves status, the document time-stamp for B-LTA, and the level
          // confirmed by the verifier offline on the result (pdf-sign completeLongTermLevel).
          try {
            const done = await completeLongTermLevel(pdf, cms, {
              level: j.level,
              fieldName: j.prepared.fieldName,
              signerChain: chain,
              timeStamper: ts,
              revocation: this.revocation(),
            });
            pdf = done.pdf;
            if (input.returnValidationInfo && done.validationData) vi.push(done.validationData);
          } catch (e) {
            // The signer's status was proved before the SAD was spent; what fails here is the
            // time-stamping authority's (its certificates' revocation data): a server-side fault.
            if (e instanceof LevelNotReachedError)
              throw new ApiError(503, 'temporarily_unavailable', `the signature was made but ${e.message}`);
            throw e;
          }
        } else if (input.returnValidationInfo)
          vi.push(
            await collectValidationData(
              [...chain, ...signatureTimeStampTokens(cms).flatMap(cmsCertificates)],
              this.revocation(),
            ),
          );
        documents.push(b64(pdf));
        await this.ctx.db.query('DELETE FROM prepared_documents WHERE id = $1', [j.preparedId]);
      } else {
        if (lt || input.returnValidationInfo)
          vi.push(
            await collectValidationData(
              [...chain, ...signatureTimeStampTokens(cms).flatMap(cmsCertificates)],
              this.revocation(),
            ),
          );
        signatureObjects.push(b64(cms));
      }
    }
    if (documents.length) out.DocumentWithSignature = documents;
    if (signatureObjects.length) out.SignatureObject = signatureObjects;
    if (input.returnValidationInfo) {
      const uniq = (xs: Uint8Array[]) => [...new Set(xs.map(b64))];
      out.validationInfo = {
        ocsp: uniq(vi.flatMap((d) => d.ocsps)),
        crl: uniq(vi.flatMap((d) => d.crls)),
        certificates: uniq(vi.flatMap((d) => d.certs)),
      };
    }
    return out;
  }

  /** B-B → B-T → B-LT → B-LTA on a signed XML document (after the SAD was spent). */
  async #xadesLevels(
    signed: Uint8Array,
    level: PadesLevel,
    chain: Uint8Array[],
    ts: TimeStamper,
  ): Promise<{ xml: Uint8Array; validationData?: CollectedValidationData }> {
    if (level === 'B-B') return { xml: signed };
    const tokens: Uint8Array[] = [];
    const capture: TimeStamper = async (d, h) => {
      const t = await ts(d, h);
      tokens.push(t);
      return t;
    };
    let xml = await addXadesSignatureTimeStamp(signed, capture);
    if (level === 'B-T') return { xml };
    const data = await collectValidationData(
      [...chain, ...tokens.flatMap(cmsCertificates)],
      this.revocation(),
    );
    try {
      requireLevel(data, level);
    } catch (e) {
      // The signer's status was proved before the SAD was spent; what fails here is the TSA's.
      if (e instanceof LevelNotReachedError)
        throw new ApiError(503, 'temporarily_unavailable', `the signature was made but ${e.message}`);
      throw e;
    }
    xml = addXadesValidationData(xml, {
      certificates: data.certs,
      crls: data.crls,
      ocspResponses: data.ocsps,
    });
    if (level === 'B-LTA') xml = await addXadesArchiveTimeStamp(xml, ts);
    return { xml, validationData: data };
  }
}

/**
 * Two-step PDF signing (pyHanko's PreparedByteRangeDigest, kyso's native flow):
 *
 *   const prepared = await preparePdfSignature(pdf, options);   // document + ByteRange digest
 *   const cms = ...;                                           // sign prepared.digest anywhere
 *   const signed = embedSignature(prepared, cms);               // fills /Contents, never truncates
 *
 * The document is the original bytes untouched plus one incremental update holding the signature
 * dictionary (/Contents reserved as a zero-filled hex string of fixed size), the field/widget and
 * the changed catalog/AcroForm/page objects. `PreparedPdfSignature` is plain data.
 */
import type { HashAlgorithm } from '@kyso/pki-core';
import {
  PdfDict,
  PdfError,
  PdfName,
  type PdfObject,
  PdfRaw,
  PdfRef,
  PdfStream,
  PdfString,
  dict,
  name,
} from '../pdf/objects.js';
import { ascii, indexOf } from '../pdf/parser.js';
import { PdfReader } from '../pdf/reader.js';
import { IncrementalWriter } from '../pdf/writer.js';
import { type AppearanceProvider, type Rect, invisibleAppearance } from './appearance.js';
import { docMdpPermission, signatureFields } from './fields.js';
import { hashByteRange } from './hash.js';

/**
 * The signature dictionary's /SubFilter (ISO 32000-2 §12.8.3): `ETSI.CAdES.detached` for PAdES
 * (ETSI EN 319 142-1, the default), `adbe.pkcs7.detached` for plain CMS signatures (PDF 1.x
 * interoperability), `ETSI.RFC3161` for document time-stamps (ISO 32000-2 §12.8.5).
 */
export type SubFilter = 'ETSI.CAdES.detached' | 'adbe.pkcs7.detached' | 'ETSI.RFC3161';

/** Default bytes reserved for the CMS when nothing better is known. */
export const DEFAULT_PLACEHOLDER = 16 * 1024;
/** Largest reservation accepted (a CMS with a long chain, time-stamp and revocation data fits). */
export const MAX_PLACEHOLDER = 4 * 1024 * 1024;
const BYTE_RANGE_PLACEHOLDER = '[0 0000000000 0000000000 0000000000]';

/**
 * A FieldMDP lock (ISO 32000-2 §12.8.2.4, /Lock and the /TransformParams of a /FieldMDP reference):
 * which form fields the signature locks against later changes.
 */
export interface FieldLock {
  /** `All` locks every field; `Include` only `fields`; `Exclude` every field except `fields`. */
  action: 'All' | 'Include' | 'Exclude';
  /** Fully qualified field names (required for `Include` and `Exclude`). */
  fields?: string[];
}

/**
 * Options of `preparePdfSignature` (and, through `SignPdfOptions`, of `signPdf`): the signature
 * dictionary (ISO 32000-2 §12.8.1), the field and its widget, and the reservation.
 */
export interface PreparePdfSignatureOptions {
  /** Name of the signature field: an existing empty one is signed, else it is created. */
  fieldName?: string;
  /** Default ETSI.CAdES.detached (PAdES). */
  subFilter?: SubFilter;
  /** /M (default now). Not written for document time-stamps. */
  signingTime?: Date;
  /** /Reason: why the document is signed, free text shown by viewers. */
  reason?: string;
  /** /Location: where it was signed (e.g. `Hà Nội`), free text. */
  location?: string;
  /** /ContactInfo: how to reach the signer, free text. */
  contactInfo?: string;
  /** /Name: the signer's name (usually left to the certificate). */
  signerName?: string;
  /** Certification signature with DocMDP permission P (1 no changes, 2 form filling + signing, 3 + annotations). */
  certify?: 1 | 2 | 3;
  /** FieldMDP lock written on the field (/Lock) and in the signature /Reference. */
  lock?: FieldLock;
  /** Bytes reserved for the CMS (/Contents holds twice as many hex digits). */
  placeholderSize?: number;
  /** Digest of the ByteRange and of the CMS (default SHA-256). SHA-1 is refused (`PDF_REFUSED`). */
  digestAlgorithm?: HashAlgorithm;
  /** Page (0-based) for a new field's widget. Default 0. */
  page?: number;
  /** Widget rectangle for a new visible field (page space). */
  rect?: Rect;
  /**
   * Draws a visible signature in `rect` (default `invisibleAppearance`). Decree 30/2020 layouts:
   * `@kyso/pdf-sign/appearance`.
   */
  appearance?: AppearanceProvider;
  /**
   * Invisible signatures and document time-stamps get a zero-size widget (/Rect [0 0 0 0]) without
   * /AP: ISO 32000-2 §12.5.5 requires no appearance for a zero-size widget, PDF/A-2/3 (ISO 19005-2
   * §6.3.3) exempts it, and pyHanko rates anything under a new field's /AP as form filling. True
   * writes an empty form XObject as /AP /N anyway, for producers that want one.
   */
  invisibleAppearanceStream?: boolean;
  /** The signer certificate, given to the appearance provider. */
  signerCertificate?: import('@kyso/pki-core').Certificate;
  /** Internal: a document time-stamp (/Type /DocTimeStamp, SubFilter ETSI.RFC3161). */
  documentTimeStamp?: boolean;
}

/**
 * A prepared signature (step 1 of two-step signing): the document with the placeholder and the
 * digest to sign. Plain data: it can be stored or sent (e.g. to a CSC service) and later passed to
 * `embedSignature` with the CMS over `digest`.
 */
export interface PreparedPdfSignature {
  /** The full prepared document (original bytes + update with the placeholder). */
  document: Uint8Array;
  /**
   * /ByteRange `[0 a b c]`: the two signed byte spans around the /Contents hex string (ISO 32000-2
   * §12.8.1), in document offsets.
   */
  byteRange: [number, number, number, number];
  /** Digest of the ByteRange with `digestAlgorithm`. */
  digest: Uint8Array;
  /** The algorithm of `digest` (the CMS must use the same one). */
  digestAlgorithm: HashAlgorithm;
  /** The /Contents hex string including its delimiters: [start, end). */
  reservedRegion: { start: number; end: number };
  /** CMS bytes that fit. */
  capacity: number;
  /** The signature field's fully qualified name. */
  fieldName: string;
  /** The /SubFilter written. */
  subFilter: SubFilter;
  /** Length of the original document (the update starts there). */
  originalLength: number;
}

const text = (s: string | undefined): PdfString | undefined =>
  s === undefined ? undefined : PdfString.text(s);

/** PDF date (ISO 32000-1 §7.9.4) in UTC: D:YYYYMMDDHHmmSSZ. */
export function pdfDate(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `D:${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
}

function uniqueFieldName(existing: Set<string>, base: string): string {
  for (let i = 1; ; i++) {
    const n = `${base}${i}`;
    if (!existing.has(n)) return n;
  }
}

/**
 * The incremental update of a signature, before it is joined to the original: `appended` (with the
 * ByteRange already written) goes after the original's `originalLength` bytes. Offsets are in the
 * full document.
 */
export interface PreparedSignatureUpdate {
  /** The bytes to append after the original document (the update, ByteRange filled in). */
  appended: Uint8Array;
  /** Length of the original document (where `appended` starts). */
  originalLength: number;
  /** /ByteRange `[0 a b c]` in offsets of the full document. */
  byteRange: [number, number, number, number];
  /** The /Contents hex string including its delimiters, [start, end) in the full document. */
  reservedRegion: { start: number; end: number };
  /** CMS bytes that fit in /Contents. */
  capacity: number;
  /** The signature field's fully qualified name. */
  fieldName: string;
  /** The /SubFilter written. */
  subFilter: SubFilter;
  /** The algorithm the ByteRange is to be hashed with. */
  digestAlgorithm: HashAlgorithm;
}

/**
 * Step 1 of two-step signing (ISO 32000-2 §12.8.1, PAdES EN 319 142-1): appends an incremental
 * update with the signature dictionary (/Contents reserved as `placeholderSize` zero bytes, /ByteRange
 * filled in), the field and widget (a new field `SignatureN`, or the empty field `fieldName`), and
 * returns the document and the digest of its ByteRange. The input is not modified.
 *
 * Throws `PdfError` (KysoError `INVALID_ARGUMENT` unless said): `PDF_REFUSED` when the field is already
 * signed, the document is certified with DocMDP P=1, a certification is not the first signature, the
 * page is out of range, SHA-1 is asked for or `placeholderSize` is outside 64..`MAX_PLACEHOLDER`;
 * `PDF_MALFORMED` for an unreadable document; `PDF_LIMIT` (`INPUT_TOO_LARGE`) past the reader's limits;
 * `PDF_UNSUPPORTED` (`UNSUPPORTED_ALGORITHM`) for an encrypted document.
 */
export async function preparePdfSignature(
  pdf: Uint8Array,
  options: PreparePdfSignatureOptions = {},
): Promise<PreparedPdfSignature> {
  const u = await prepareSignatureUpdate(PdfReader.open(pdf), options);
  const document = new Uint8Array(u.originalLength + u.appended.length);
  document.set(pdf, 0);
  document.set(u.appended, u.originalLength);
  const digest = hashByteRange(u.digestAlgorithm, document, u.byteRange);
  return {
    document,
    byteRange: u.byteRange,
    digest,
    digestAlgorithm: u.digestAlgorithm,
    reservedRegion: u.reservedRegion,
    capacity: u.capacity,
    fieldName: u.fieldName,
    subFilter: u.subFilter,
    originalLength: u.originalLength,
  };
}

/** The option checks of a new signature or document time-stamp, and what follows from them. */
function checkSignOptions(reader: PdfReader, options: PreparePdfSignatureOptions) {
  const isDts = options.documentTimeStamp === true;
  const subFilter: SubFilter = isDts ? 'ETSI.RFC3161' : (options.subFilter ?? 'ETSI.CAdES.detached');
  const digestAlgorithm = options.digestAlgorithm ?? 'SHA-256';
  if (digestAlgorithm === 'SHA-1')
    throw new PdfError('PDF_REFUSED', 'SHA-1 is not allowed for new signatures');
  const capacity = options.placeholderSize ?? DEFAULT_PLACEHOLDER;
  if (!Number.isInteger(capacity) || capacity < 64 || capacity > MAX_PLACEHOLDER) {
    throw new PdfError('PDF_REFUSED', `placeholder size ${capacity} out of range 64..${MAX_PLACEHOLDER}`);
  }
  const signingTime = options.signingTime ?? new Date();

  const fields = signatureFields(reader);
  const signedCount = fields.filter((f) => f.value !== undefined).length;
  const mdp = docMdpPermission(reader);
  if (mdp === 1 && !isDts)
    throw new PdfError(
      'PDF_REFUSED',
      'the document is certified with DocMDP P=1: no further signatures allowed',
    );
  if (options.certify !== undefined && (signedCount > 0 || mdp !== undefined)) {
    throw new PdfError(
      'PDF_REFUSED',
      'a certification signature must be the first signature of the document',
    );
  }
  return { isDts, subFilter, digestAlgorithm, capacity, signingTime, fields };
}

/**
 * The signature (or DocTimeStamp) dictionary with ByteRange and Contents placeholders; a
 * certification signature also registers itself in the catalog's /Perms.
 */
function signatureDictionary(
  reader: PdfReader,
  catalog: PdfDict,
  sigRef: PdfRef,
  options: PreparePdfSignatureOptions,
  k: { isDts: boolean; subFilter: SubFilter; capacity: number; signingTime: Date },
): PdfDict {
  const { isDts, subFilter, capacity, signingTime } = k;
  const sig = new PdfDict();
  sig.set('Type', name(isDts ? 'DocTimeStamp' : 'Sig'));
  sig.set('Filter', name('Adobe.PPKLite'));
  sig.set('SubFilter', name(subFilter));
  sig.set('ByteRange', new PdfRaw(ascii(BYTE_RANGE_PLACEHOLDER)));
  sig.set('Contents', new PdfRaw(ascii(`<${'0'.repeat(capacity * 2)}>`)));
  if (!isDts) {
    sig.set('M', new PdfString(ascii(pdfDate(signingTime))));
    sig.set('Name', text(options.signerName));
    sig.set('Reason', text(options.reason));
    sig.set('Location', text(options.location));
    sig.set('ContactInfo', text(options.contactInfo));
    const refs: PdfDict[] = [];
    if (options.certify !== undefined) {
      refs.push(
        dict({
          Type: name('SigRef'),
          TransformMethod: name('DocMDP'),
          TransformParams: dict({ Type: name('TransformParams'), P: options.certify, V: name('1.2') }),
        }),
      );
      const perms = reader.dict(catalog.get('Perms'))?.clone() ?? new PdfDict();
      perms.set('DocMDP', sigRef);
      catalog.set('Perms', perms);
    }
    if (options.lock) {
      refs.push(
        dict({
          Type: name('SigRef'),
          TransformMethod: name('FieldMDP'),
          TransformParams: dict({
            Type: name('TransformParams'),
            Action: name(options.lock.action),
            Fields: options.lock.fields?.map((f) => PdfString.text(f)),
            V: name('1.2'),
          }),
        }),
      );
    }
    if (refs.length > 0) sig.set('Reference', refs);
  }
  return sig;
}

/**
 * Writes the update and fills the ByteRange placeholder: the byte range around the Contents
 * hex string of the signature dictionary `sigRef`.
 */
function fillByteRange(w: IncrementalWriter, base: number, sigRef: PdfRef, capacity: number) {
  const out = w.write();
  const appended = out.appended;
  const span = out.offsets.get(sigRef.num)!;
  const brRel = indexOf(appended, `/ByteRange ${BYTE_RANGE_PLACEHOLDER}`, span.start - base, span.end - base);
  const cRel = indexOf(appended, '/Contents <', span.start - base, span.end - base);
  if (brRel < 0 || cRel < 0) throw new Error('internal: signature placeholders not found');
  const start = base + cRel + '/Contents '.length;
  const end = start + capacity * 2 + 2;
  const byteRange: [number, number, number, number] = [0, start, end, out.length - end];
  const brText = `[${byteRange.join(' ')}]`;
  if (brText.length > BYTE_RANGE_PLACEHOLDER.length)
    throw new PdfError('PDF_LIMIT', 'document too large for the ByteRange placeholder');
  appended.set(ascii(brText.padEnd(BYTE_RANGE_PLACEHOLDER.length, ' ')), brRel + '/ByteRange '.length);
  return { appended, base, byteRange, start, end };
}

/**
 * The signature field to sign: the one named (refused when already signed), else the sole empty
 * signature field, else a new field with a unique name.
 */
function chooseField(
  fields: ReturnType<typeof signatureFields>,
  options: PreparePdfSignatureOptions,
  isDts: boolean,
): { existing: ReturnType<typeof signatureFields>[number] | undefined; fieldName: string } {
  let fieldName = options.fieldName;
  let existing = fieldName !== undefined ? fields.find((f) => f.name === fieldName) : undefined;
  if (existing && existing.value !== undefined) {
    throw new PdfError('PDF_REFUSED', `signature field '${fieldName}' is already signed`);
  }
  if (!existing && fieldName === undefined) {
    // First empty signature field, when one exists and no name was asked for... only when it is
    // the sole empty field, so an explicit choice is never second-guessed.
    const empty = fields.filter((f) => f.value === undefined);
    if (empty.length === 1 && !isDts) existing = empty[0];
  }
  fieldName =
    existing?.name ??
    fieldName ??
    uniqueFieldName(new Set(fields.map((f) => f.name)), isDts ? 'DocTimeStamp' : 'Signature');
  return { existing, fieldName };
}

/**
 * Builds the signature's incremental update from a reader (in memory or over a file): reads only
 * the objects it changes (catalog, AcroForm, fields, the page), never the whole document.
 */
export async function prepareSignatureUpdate(
  reader: PdfReader,
  options: PreparePdfSignatureOptions = {},
): Promise<PreparedSignatureUpdate> {
  const w = new IncrementalWriter(reader);
  const { isDts, subFilter, digestAlgorithm, capacity, signingTime, fields } = checkSignOptions(
    reader,
    options,
  );

  const catalogRef = reader.rootRef;
  const catalog = w.editDict(catalogRef);
  // AcroForm: indirect (edit that object) or direct (edited inside the catalog copy).
  let acro: PdfDict;
  const acroVal = catalog.get('AcroForm');
  if (acroVal instanceof PdfRef) acro = w.editDict(acroVal);
  else {
    acro = acroVal instanceof PdfDict ? acroVal.clone() : new PdfDict();
    catalog.set('AcroForm', acro);
  }
  acro.set('SigFlags', 3);

  const sigRef = w.allocate();
  const { existing, fieldName } = chooseField(fields, options, isDts);

  const pages = reader.pages();
  if (pages.length === 0) throw new PdfError('PDF_MALFORMED', 'the document has no pages');

  let widgetRef: PdfRef;
  let widget: PdfDict;
  let pageIndex = options.page ?? 0;
  let fieldDict: PdfDict;
  if (existing) {
    fieldDict = w.editDict(existing.ref);
    widgetRef = existing.widgets[0] ?? existing.ref;
    widget = widgetRef.num === existing.ref.num ? fieldDict : w.editDict(widgetRef);
    const p = widget.get('P');
    if (p instanceof PdfRef) {
      const i = pages.findIndex((x) => x.num === p.num);
      if (i >= 0) pageIndex = i;
    }
  } else {
    if (pageIndex < 0 || pageIndex >= pages.length)
      throw new PdfError('PDF_REFUSED', `page ${pageIndex} out of range`);
    widgetRef = w.allocate();
    widget = dict({
      Type: name('Annot'),
      Subtype: name('Widget'),
      FT: name('Sig'),
      T: PdfString.text(fieldName),
      F: 132,
      P: pages[pageIndex],
    });
    fieldDict = widget;
    w.set(widgetRef, widget);
    // AcroForm /Fields
    const fv = acro.get('Fields');
    if (fv instanceof PdfRef) {
      const arr = reader.array(fv) ?? [];
      w.set(fv, [...arr, widgetRef]);
    } else acro.set('Fields', [...(Array.isArray(fv) ? fv : []), widgetRef]);
    // Page /Annots
    const pageRef = pages[pageIndex]!;
    const page = w.editDict(pageRef);
    const av = page.get('Annots');
    if (av instanceof PdfRef) {
      const arr = reader.array(av) ?? [];
      w.set(av, [...arr, widgetRef]);
    } else page.set('Annots', [...(Array.isArray(av) ? av : []), widgetRef]);
  }
  fieldDict.set('V', sigRef);
  if (options.lock) {
    fieldDict.set(
      'Lock',
      dict({
        Type: name('SigFieldLock'),
        Action: name(options.lock.action),
        Fields: options.lock.fields?.map((f) => PdfString.text(f)),
      }),
    );
  }

  // Appearance: a visible signature's; an invisible one (zero-size widget) has none unless asked.
  const pageDict = reader.dict(pages[pageIndex]) ?? new PdfDict();
  const mb = reader.array(pageDict.get('MediaBox')) ??
    reader.array(reader.dict(pageDict.get('Parent'))?.get('MediaBox')) ?? [0, 0, 595, 842];
  const mediaBox = mb.map((x) => (typeof x === 'number' ? x : 0)) as Rect;
  const provider = existing && !options.appearance ? undefined : (options.appearance ?? invisibleAppearance);
  if (provider === invisibleAppearance && !options.invisibleAppearanceStream) {
    widget.set('Rect', [0, 0, 0, 0]);
  } else if (provider) {
    const existingRect = reader.array(widget.get('Rect'))?.map((x) => (typeof x === 'number' ? x : 0)) as
      | Rect
      | undefined;
    const requested = options.rect ?? existingRect;
    const ap = await provider.render({
      pageIndex,
      page: pageDict,
      mediaBox,
      ...(requested ? { requestedRect: requested } : {}),
      ...(options.signerCertificate ? { signerCertificate: options.signerCertificate } : {}),
      signingTime,
      ...(options.reason !== undefined ? { reason: options.reason } : {}),
      ...(options.location !== undefined ? { location: options.location } : {}),
      ...(options.signerName !== undefined ? { signerName: options.signerName } : {}),
      fieldName,
      addObject: (o: PdfObject) => w.add(o),
    });
    const xobj = new PdfStream(
      dict({
        Type: name('XObject'),
        Subtype: name('Form'),
        BBox: ap.bbox,
        Matrix: ap.matrix,
        Resources: ap.resources,
      }),
      ap.content,
    );
    widget.set('AP', dict({ N: w.add(xobj) }));
    widget.set('Rect', existing && !options.rect && existingRect ? existingRect : ap.rect);
  }

  w.set(
    sigRef,
    signatureDictionary(reader, catalog, sigRef, options, { isDts, subFilter, capacity, signingTime }),
  );

  const { appended, base, byteRange, start, end } = fillByteRange(w, reader.length, sigRef, capacity);
  return {
    appended,
    originalLength: base,
    byteRange,
    reservedRegion: { start, end },
    capacity,
    fieldName,
    subFilter,
    digestAlgorithm,
  };
}

/**
 * Writes the CMS (or time-stamp token) into the reserved /Contents, in full: every byte of the
 * DER as hex, then zero padding. Throws PLACEHOLDER_TOO_SMALL when it does not fit (never
 * truncates). Writes into `prepared.document` and returns it.
 */
export function embedSignature(prepared: PreparedPdfSignature, cms: Uint8Array): Uint8Array {
  const { document, reservedRegion } = prepared;
  const room = (reservedRegion.end - reservedRegion.start - 2) / 2;
  if (cms.length > room) {
    throw new PdfError(
      'PLACEHOLDER_TOO_SMALL',
      `the signature needs ${cms.length} bytes but only ${room} were reserved`,
      {
        needed: cms.length,
        available: room,
      },
    );
  }
  if (document[reservedRegion.start] !== 0x3c || document[reservedRegion.end - 1] !== 0x3e) {
    throw new PdfError('PDF_REFUSED', 'the prepared document does not have /Contents at the reserved region');
  }
  document.set(contentsHex(cms), reservedRegion.start + 1);
  return document;
}

/** The CMS as lowercase hex digits (what goes between /Contents' < and >). */
export function contentsHex(cms: Uint8Array): Uint8Array {
  const digits = '0123456789abcdef';
  const out = new Uint8Array(cms.length * 2);
  for (let i = 0; i < cms.length; i++) {
    out[2 * i] = digits.charCodeAt(cms[i]! >> 4);
    out[2 * i + 1] = digits.charCodeAt(cms[i]! & 15);
  }
  return out;
}

export { PdfName };

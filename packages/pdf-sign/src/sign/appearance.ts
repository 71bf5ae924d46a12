/**
 * The seam for visible signatures (Decree 30/2020 appearances live in another module): a provider
 * renders a Form XObject (content stream + resources) for the widget. It may add objects (image
 * XObjects, embedded font programs, ...) to the incremental update through `ctx.addObject`. kyso
 * wraps the result as `/Type /XObject /Subtype /Form` and sets the widget's `/AP << /N ... >>`;
 * it never sets /NeedAppearances.
 */
import type { Certificate } from '@kyso/pki-core';
import { PdfDict, type PdfObject, type PdfRef } from '../pdf/objects.js';

/**
 * A rectangle `[x1 y1 x2 y2]` in PDF user-space units (1/72 inch), as in /Rect, /BBox and /MediaBox
 * (ISO 32000-1 §7.9.5).
 */
export type Rect = [number, number, number, number];

/**
 * What an `AppearanceProvider` is given to draw a signature widget: the page, the rectangle asked for
 * and the signature's own data (signer, time, reason, location), known at prepare time.
 */
export interface AppearanceContext {
  /** 0-based page index and the page dictionary (read-only). */
  pageIndex: number;
  /** The page dictionary (read-only: the provider must not modify it). */
  page: PdfDict;
  /** The page /MediaBox (resolved). */
  mediaBox: Rect;
  /** The rectangle asked for (page space, [x1 y1 x2 y2]); the provider may return another one. */
  requestedRect?: Rect;
  /** The signer's certificate, when known at prepare time. */
  signerCertificate?: Certificate;
  /** The /M time of the signature. */
  signingTime: Date;
  /** The signature dictionary's /Reason, if any. */
  reason?: string;
  /** The signature dictionary's /Location, if any. */
  location?: string;
  /** The signer's display name (/Name, else taken from the certificate by the provider). */
  signerName?: string;
  /** The signature field's name (/T), e.g. `Signature1`. */
  fieldName: string;
  /** Adds an object (e.g. an image XObject or a font) to the update; returns its reference. */
  addObject(o: PdfObject): PdfRef;
}

/**
 * The visible appearance of a signature widget (ISO 32000-1 §12.5.5): kyso wraps it as a Form XObject
 * and sets it as the widget's normal appearance /AP /N (ISO 32000-2 §12.8.1 signature fields).
 */
export interface AppearanceResult {
  /** Widget /Rect in page space [x1 y1 x2 y2]. */
  rect: Rect;
  /** Form XObject /BBox (usually [0 0 width height]). */
  bbox: Rect;
  /** Optional Form XObject /Matrix. */
  matrix?: [number, number, number, number, number, number];
  /** Form XObject /Resources (/Font, /XObject, /ExtGState ... referencing objects added via ctx). */
  resources: PdfDict;
  /** The content stream (operators), uncompressed. */
  content: Uint8Array;
}

/**
 * Draws the visible appearance of a signature (ISO 32000-1 §12.7.4.5 signature fields, §12.5.5
 * appearance streams). `invisibleAppearance` is the default; the Decree 30/2020 layouts come from
 * `@kyso/pdf-sign/appearance` (`personAppearance`, `sealAppearance`, `stampAppearance`).
 */
export interface AppearanceProvider {
  /**
   * Renders the appearance for `ctx`; may add image/font objects with `ctx.addObject`. An error thrown
   * here aborts the signing (the document is not changed).
   */
  render(ctx: AppearanceContext): Promise<AppearanceResult> | AppearanceResult;
}

/** The default: an invisible signature (/Rect [0 0 0 0]) with an empty appearance. */
export const invisibleAppearance: AppearanceProvider = {
  render: () => ({
    rect: [0, 0, 0, 0],
    bbox: [0, 0, 0, 0],
    resources: new PdfDict(),
    content: new Uint8Array(0),
  }),
};

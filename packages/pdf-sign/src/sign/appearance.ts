/**
 * The seam for visible signatures (Decree 30/2020 appearances live in another module): a provider
 * renders a Form XObject (content stream + resources) for the widget. It may add objects (image
 * XObjects, embedded font programs, ...) to the incremental update through `ctx.addObject`. kyso
 * wraps the result as `/Type /XObject /Subtype /Form` and sets the widget's `/AP << /N ... >>`;
 * it never sets /NeedAppearances.
 */
import type { Certificate } from '@kyso/pki-core';
import { PdfDict, type PdfObject, type PdfRef } from '../pdf/objects.js';

export type Rect = [number, number, number, number];

export interface AppearanceContext {
  /** 0-based page index and the page dictionary (read-only). */
  pageIndex: number;
  page: PdfDict;
  /** The page /MediaBox (resolved). */
  mediaBox: Rect;
  /** The rectangle asked for (page space, [x1 y1 x2 y2]); the provider may return another one. */
  requestedRect?: Rect;
  /** The signer's certificate, when known at prepare time. */
  signerCertificate?: Certificate;
  /** The /M time of the signature. */
  signingTime: Date;
  reason?: string;
  location?: string;
  signerName?: string;
  fieldName: string;
  /** Adds an object (e.g. an image XObject or a font) to the update; returns its reference. */
  addObject(o: PdfObject): PdfRef;
}

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

export interface AppearanceProvider {
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

/**
 * Verifying a PDF file without loading it (Node only): the file is opened as a `FileSource`, the
 * reader reads its tail, xref sections and the objects the verifier needs, and the signed byte
 * ranges are hashed as a stream. Memory stays bounded by what is parsed, not by the file size.
 */
import { FileSource } from '../pdf/file-source.node.js';
import { type IntegrityOptions, type PdfIntegrityReport, verifyPdfIntegrity } from './integrity.js';
import { type PdfValidationReport, type VerifyPdfOptions, verifyPdf } from './pades.js';

/** `verifyPdf` over the file at `path` (read through a `FileSource`, closed on return). */
export async function verifyPdfFile(
  path: string,
  options: VerifyPdfOptions = {},
): Promise<PdfValidationReport> {
  const src = new FileSource(path);
  try {
    return await verifyPdf(src, options);
  } finally {
    src.close();
  }
}

/** `verifyPdfIntegrity` over the file at `path` (read through a `FileSource`, closed on return). */
export async function verifyPdfIntegrityFile(
  path: string,
  options: Omit<IntegrityOptions, 'reader' | 'revisions'> = {},
): Promise<PdfIntegrityReport> {
  const src = new FileSource(path);
  try {
    return await verifyPdfIntegrity(src, options);
  } finally {
    src.close();
  }
}

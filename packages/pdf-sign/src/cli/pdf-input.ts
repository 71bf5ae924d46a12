/**
 * The PDF a `kyso pdf inspect|verify` command reads (Node only): opened for positioned reads (never
 * loaded whole), and what makes it unreadable reported as a usage error (exit 2).
 */
import { KysoError } from '@kyso/pki-core';
import { UsageError } from '@kyso/pki-core/cli';
import { FileSource } from '../pdf/file-source.node.js';

/** Opens `file` through a FileSource; a file that cannot be opened is a usage error. */
export function openPdfInput(file: string): FileSource {
  try {
    return new FileSource(file);
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/**
 * Rethrows an error met while reading `file` as a usage error when the PDF does not parse
 * (KysoError) or the file system refuses (an E… code, e.g. EISDIR for a folder); any other error
 * as it is.
 */
export function rethrowUnreadablePdf(e: unknown, file: string): never {
  if (e instanceof KysoError) throw new UsageError(`unreadable PDF: ${e.message}`);
  if (e instanceof Error && 'code' in e && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code))
    throw new UsageError(`cannot read ${file}: ${e.message}`);
  throw e;
}

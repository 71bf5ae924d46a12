/**
 * `@kyso/pdf-sign/node`: everything of the main entry plus the Node-only parts: files signed and
 * verified in place (streamed, never held whole: {@link signPdfFile}, {@link verifyPdfFile},
 * {@link FileSource}) and the path of the shipped fonts on disk. The `kyso pdf …` commands are
 * `@kyso/pdf-sign/cli`.
 *
 * @packageDocumentation
 */

import { fileURLToPath } from 'node:url';
import { type ShippedFont, shippedFontFile } from '../appearance/fonts.js';

export * from '../index.js';
export * from '../pdf/file-source.node.js';
export * from '../sign/file.node.js';
export * from '../verify/file.node.js';
export * from '../verify/hash.node.js';

/** Path of a shipped font file (the package's assets/fonts/). */
export function shippedFontPath(which: ShippedFont): string {
  return fileURLToPath(new URL(`../../assets/fonts/${shippedFontFile(which)}`, import.meta.url));
}

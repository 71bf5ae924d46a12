/**
 * Signing a PDF file without loading it (Node only). The reader reads the file's tail and the few
 * objects the update changes through positioned reads (`FileSource`); the output is the original
 * bytes, copied in chunks while they are hashed, followed by the incremental update; the CMS is
 * then written into the reserved /Contents in place (one positioned write). Memory stays flat
 * whatever the file size: one copy buffer, the update and the CMS.
 *
 *   const prepared = await preparePdfSignatureFile('in.pdf', 'out.pdf', options); // digest
 *   const cms = ...;                                                          // sign it anywhere
 *   await embedSignatureFile(prepared, cms);                                   // patch /Contents
 *
 * or in one step: `await signPdfFile('in.pdf', 'out.pdf', { signer, level })`.
 */
import { type Hash, createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, copyFile, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { HashAlgorithm, TimeStamper } from '@kyso/pki-core';
import { FileSource } from '../pdf/file-source.node.js';
import { PdfError } from '../pdf/objects.js';
import { PdfReader } from '../pdf/reader.js';
import { addEarlierSignaturesData } from './earlier-signatures.js';
import { nodeHashName } from './hash.js';
import {
  type DssData,
  dssUpdate,
  type SignPdfOptions,
  type PadesLevel,
  TIMESTAMP_ALLOWANCE,
  confirmLevel,
  documentTimeStampOptions,
  fitPlaceholder,
  prepareAndSign,
  signatureValidationData,
} from './pades.js';
import {
  type PreparePdfSignatureOptions,
  type PreparedPdfSignature,
  type PreparedSignatureUpdate,
  contentsHex,
  prepareSignatureUpdate,
} from './prepare.js';
import type { CollectedValidationData } from './validation-data.js';

/** Bytes hashed per read. */
export const COPY_CHUNK = 1024 * 1024;

/** A prepared signature whose document is a file (`path`) rather than bytes in memory. */
export interface PreparedPdfFileSignature extends Omit<PreparedPdfSignature, 'document'> {
  /** The prepared output file (original bytes + update with the placeholder). */
  path: string;
  /** Length of the prepared file. */
  length: number;
}

async function sameFile(a: string, b: string): Promise<boolean> {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    const [sa, sb] = await Promise.all([stat(a), stat(b)]);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

async function readFully(fh: FileHandle, buf: Uint8Array, n: number, pos: number): Promise<void> {
  let got = 0;
  while (got < n) {
    const { bytesRead } = await fh.read(buf, got, n - got, pos + got);
    if (bytesRead === 0) throw new PdfError('PDF_MALFORMED', 'the file shrank while it was being signed');
    got += bytesRead;
  }
}

async function writeFully(fh: FileHandle, buf: Uint8Array, pos: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, pos + done);
    done += bytesWritten;
  }
}

/**
 * Writes `outPath` = the first `u.originalLength` bytes of `inPath` + `u.appended` (appended in place
 * when both name the same file) and returns the digest of the ByteRange (the original is hashed
 * as it is copied; the update without its /Contents gap), or undefined when `hash` is not given.
 */
async function writeUpdate(
  inPath: string,
  outPath: string,
  u: Pick<PreparedSignatureUpdate, 'appended' | 'originalLength'> & { gap?: { start: number; end: number } },
  hash: HashAlgorithm | undefined,
): Promise<Uint8Array | undefined> {
  const h = hash ? createHash(nodeHashName(hash)) : undefined;
  const inPlace = await sameFile(inPath, outPath);
  const total = u.originalLength;
  const before = await stat(inPath);
  if (before.size !== total) throw changed();
  // The copy (a kernel copy, a reflink where the file system has them) runs in the thread pool
  // while this thread hashes the original: about the time of hashing alone.
  await Promise.all([
    inPlace ? undefined : copyFile(inPath, outPath, constants.COPYFILE_FICLONE),
    h ? hashFile(inPath, total, h) : undefined,
  ]);
  const after = await stat(inPath);
  if (after.size !== before.size || after.mtimeMs !== before.mtimeMs) throw changed();
  let dst: FileHandle | undefined;
  try {
    dst = await open(outPath, 'r+');
    if ((await dst.stat()).size !== total) throw changed();
    await writeFully(dst, u.appended, total);
    await dst.truncate(total + u.appended.length);
    if (h) {
      const a = u.appended;
      if (u.gap) {
        h.update(a.subarray(0, u.gap.start - total));
        h.update(a.subarray(u.gap.end - total));
      } else h.update(a);
    }
  } finally {
    await dst?.close();
  }
  return h ? new Uint8Array(h.digest()) : undefined;
}

const changed = () => new PdfError('PDF_REFUSED', 'the input file changed while it was being signed');

/** Feeds bytes [0, length) of `file` to `h` (positioned reads; double-buffered). */
async function hashFile(file: string, length: number, h: Hash): Promise<void> {
  const fh = await open(file, 'r');
  try {
    const bufs = [new Uint8Array(COPY_CHUNK), new Uint8Array(COPY_CHUNK)];
    const chunks = Math.ceil(length / COPY_CHUNK);
    const read = (i: number) =>
      readFully(fh, bufs[i % 2]!, Math.min(COPY_CHUNK, length - i * COPY_CHUNK), i * COPY_CHUNK);
    let pending = chunks > 0 ? read(0) : undefined;
    for (let i = 0; i < chunks; i++) {
      await pending;
      pending = i + 1 < chunks ? read(i + 1) : undefined;
      h.update(bufs[i % 2]!.subarray(0, Math.min(COPY_CHUNK, length - i * COPY_CHUNK)));
    }
  } finally {
    await fh.close();
  }
}

/**
 * Prepares a signature of `inPath` into `outPath` (may be the same file: the update is then
 * appended in place). Returns the digest to sign; `embedSignatureFile` completes the file.
 */
export async function preparePdfSignatureFile(
  inPath: string,
  outPath: string,
  options: PreparePdfSignatureOptions = {},
): Promise<PreparedPdfFileSignature> {
  const src = new FileSource(inPath);
  let u: PreparedSignatureUpdate;
  try {
    u = await prepareSignatureUpdate(PdfReader.open(src), options);
  } finally {
    src.close();
  }
  const digest = (await writeUpdate(
    inPath,
    outPath,
    { appended: u.appended, originalLength: u.originalLength, gap: u.reservedRegion },
    u.digestAlgorithm,
  ))!;
  return {
    path: outPath,
    length: u.originalLength + u.appended.length,
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

/**
 * Writes the CMS (or time-stamp token) into the prepared file's reserved /Contents (positioned
 * write, in full, never truncated: PLACEHOLDER_TOO_SMALL when it does not fit).
 */
export async function embedSignatureFile(prepared: PreparedPdfFileSignature, cms: Uint8Array): Promise<void> {
  const { reservedRegion } = prepared;
  const room = (reservedRegion.end - reservedRegion.start - 2) / 2;
  if (cms.length > room) {
    throw new PdfError(
      'PLACEHOLDER_TOO_SMALL',
      `the signature needs ${cms.length} bytes but only ${room} were reserved`,
      { needed: cms.length, available: room },
    );
  }
  const fh = await open(prepared.path, 'r+');
  try {
    const st = await fh.stat();
    const ends = new Uint8Array(1);
    await readFully(fh, ends, 1, reservedRegion.start);
    const open1 = ends[0];
    await readFully(fh, ends, 1, reservedRegion.end - 1);
    if (st.size !== prepared.length || open1 !== 0x3c || ends[0] !== 0x3e) {
      throw new PdfError('PDF_REFUSED', 'the prepared file does not have /Contents at the reserved region');
    }
    await writeFully(fh, contentsHex(cms), reservedRegion.start + 1);
  } finally {
    await fh.close();
  }
}

/** Appends a DSS update to the file at `file` (in place); see `addDss`. */
export async function addDssFile(file: string, data: DssData): Promise<void> {
  const src = new FileSource(file);
  let appended: Uint8Array;
  let originalLength: number;
  try {
    const r = PdfReader.open(src);
    originalLength = r.length;
    appended = dssUpdate(r, data);
  } finally {
    src.close();
  }
  await writeUpdate(file, file, { appended, originalLength }, undefined);
}

/** Appends a document time-stamp (B-LTA) to the file at `file`, in place. */
export async function addDocumentTimeStampFile(
  file: string,
  timeStamper: TimeStamper,
  opts: {
    digestAlgorithm?: HashAlgorithm;
    placeholderSize?: number;
    fieldName?: string;
    /** Write an empty /AP on the zero-size widget (see PreparePdfSignatureOptions). */
    invisibleAppearanceStream?: boolean;
  } = {},
): Promise<void> {
  const len = (await stat(file)).size;
  const { prepared, value } = await fitPlaceholder(
    opts.placeholderSize,
    TIMESTAMP_ALLOWANCE + 2048,
    async (size) => {
      const prepared = await preparePdfSignatureFile(file, file, documentTimeStampOptions(size, opts));
      return { prepared, value: await timeStamper(prepared.digest, prepared.digestAlgorithm) };
    },
    // Prepared in place: the first preparation's update goes before the second.
    () => truncateTo(file, len),
  );
  await embedSignatureFile(prepared, value);
}

async function truncateTo(file: string, len: number): Promise<void> {
  const fh = await open(file, 'r+');
  try {
    await fh.truncate(len);
  } finally {
    await fh.close();
  }
}

/**
 * The result of `signPdfFile`: like `SignPdfResult`, with the output written to `path` instead of
 * returned in memory.
 */
export interface SignPdfFileResult {
  /** The signed file (the output path given). */
  path: string;
  /** The signature field signed. */
  fieldName: string;
  /** The level reached (B-LT, B-LTA: confirmed by kyso's verifier on the output, see signPdf). */
  level: PadesLevel;
  /** The level asked for. */
  requestedLevel: PadesLevel;
  /** The CMS embedded in the signature. */
  cms: Uint8Array;
  /** Validation data written to the DSS (B-LT, B-LTA). */
  validationData?: CollectedValidationData;
}

/**
 * One-step PAdES signature of a file (see `signPdf`): `inPath` is read, never modified (unless it
 * is also `outPath`); `outPath` is written through a temporary file in the same folder and renamed
 * when complete, so a failure never leaves a half-signed output.
 */
export async function signPdfFile(
  inPath: string,
  outPath: string,
  options: SignPdfOptions,
): Promise<SignPdfFileResult> {
  const tmp = path.join(
    path.dirname(path.resolve(outPath)),
    `.${path.basename(outPath)}.kyso-${randomBytes(6).toString('hex')}.tmp`,
  );
  try {
    const { level, prepared, cms } = await prepareAndSign(options, (opts) =>
      preparePdfSignatureFile(inPath, tmp, opts),
    );
    await embedSignatureFile(prepared, cms);
    const result: SignPdfFileResult = {
      path: outPath,
      fieldName: prepared.fieldName,
      level,
      requestedLevel: level,
      cms,
    };
    if (level === 'B-LT' || level === 'B-LTA') {
      const data = await signatureValidationData(cms, options);
      const earlier = new FileSource(tmp);
      try {
        await addEarlierSignaturesData(data, PdfReader.open(earlier), options.revocation!);
      } finally {
        earlier.close();
      }
      await addDssFile(tmp, data);
      result.validationData = data;
      if (level === 'B-LTA')
        await addDocumentTimeStampFile(
          tmp,
          options.timeStamper!,
          options.invisibleAppearanceStream ? { invisibleAppearanceStream: true } : {},
        );
      // The verifier's word on the output, offline, before the file gets its name.
      const src = new FileSource(tmp);
      try {
        result.level = await confirmLevel(
          src,
          prepared.fieldName,
          level,
          [...options.signer.certificateChain, ...data.certs],
          options.acceptLowerLevel ? { acceptLowerLevel: true } : {},
        );
      } finally {
        src.close();
      }
    }
    await rename(tmp, outPath);
    return result;
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

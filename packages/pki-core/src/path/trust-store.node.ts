/**
 * Node-only trust-store helpers: load anchors from PEM/DER files and folders, and the Vietnamese
 * roots shipped in packages/pki-core/trust/vn.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KysoError } from '../errors.js';
import type { Certificate } from '../x509/certificate.js';
import { type AddAnchorOptions, TrustStore, toCertificates } from './trust-store.js';

const CERT_EXTENSIONS = new Set(['.pem', '.crt', '.cer', '.der']);

/** Reads every certificate in a PEM bundle or DER file. */
export function readCertificatesFile(file: string): Certificate[] {
  let data: Uint8Array;
  try {
    data = new Uint8Array(fs.readFileSync(file));
  } catch (e) {
    throw new KysoError('NOT_FOUND', `cannot read ${file}: ${(e as Error).message}`, undefined, { cause: e });
  }
  return toCertificates(data);
}

/** Certificates from files and/or folders (folders: *.pem, *.crt, *.cer, *.der, sorted by name). */
export function readCertificates(paths: readonly string[]): Certificate[] {
  const out: Certificate[] = [];
  for (const p of paths) {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) throw new KysoError('NOT_FOUND', `no such file or folder: ${p}`);
    if (st.isDirectory()) {
      for (const f of fs.readdirSync(p).sort()) {
        if (CERT_EXTENSIONS.has(path.extname(f).toLowerCase()))
          out.push(...readCertificatesFile(path.join(p, f)));
      }
    } else out.push(...readCertificatesFile(p));
  }
  return out;
}

/** A trust store from anchor files and folders. */
export function loadTrustStore(paths: readonly string[], opts: AddAnchorOptions = {}): TrustStore {
  const store = new TrustStore();
  store.add(readCertificates(paths), opts);
  return store;
}

/** Folder holding the shipped Vietnamese roots (packages/pki-core/trust/vn). */
export function vietnamRootsDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../trust/vn');
}

/**
 * The Vietnamese trust anchors shipped with kyso: NEAC's Vietnam National Root CA (2014), MIC
 * National Root CA, G3, the 2025 per-model roots (RS, USBTOKEN, MOBILEPKI, TSA), EMA (2026) and
 * the Government CA's "RootCA chuyên dùng Chính phủ G2". Pass `store` to add them to an existing one.
 */
export function loadVietnamRoots(
  store: TrustStore = new TrustStore(),
  opts: AddAnchorOptions = {},
): TrustStore {
  store.add(readCertificates([vietnamRootsDir()]), opts);
  return store;
}

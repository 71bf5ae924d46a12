/**
 * Helpers of `kyso pdf sign` (Node only): visible-signature options (--appearance, --image,
 * --page, --rect and the provider's text options) and folder signing with a progress display on
 * stderr (a redrawn bar on a terminal, one plain line per file otherwise).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  type PersonAppearanceOptions,
  type StampAppearanceOptions,
  personAppearance,
  sealAppearance,
  stampAppearance,
} from '../appearance/decree30.js';
import type { AppearanceProvider, Rect } from './appearance.js';

export type CliOptionValues = Record<string, string | boolean | string[] | undefined>;

/** A usage problem (the CLI maps it to exit code 2). */
export class CliUsageError extends Error {}

const one = (o: CliOptionValues, k: string): string | undefined => {
  const v = o[k];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v[v.length - 1];
  if (typeof v !== 'string') throw new CliUsageError(`--${k} needs a value`);
  return v;
};
const many = (o: CliOptionValues, k: string): string[] => {
  const v = o[k];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
};
const readImage = (file: string): Uint8Array => {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new CliUsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
};

/** `--rect x,y,w,h` (points, page space, origin bottom left) as [x1 y1 x2 y2]. */
export function parseRect(s: string): Rect {
  const p = s.split(',').map((x) => Number(x.trim()));
  if (p.length !== 4 || p.some((x) => !Number.isFinite(x)) || p[2]! <= 0 || p[3]! <= 0)
    throw new CliUsageError('--rect must be x,y,w,h in points (w and h > 0)');
  const [x, y, w, h] = p as [number, number, number, number];
  return [x, y, x + w, y + h];
}

export interface VisibleSignatureOptions {
  appearance?: AppearanceProvider;
  /** 0-based. */
  page?: number;
  rect?: Rect;
}

/**
 * Builds the appearance from the options:
 * - `--appearance person [--image SIGNATURE.png] [--title LINE ...] [--name NAME]`
 * - `--appearance seal --image SEAL.png [--seal-mm D]`
 * - `--appearance stamp --agency TEXT [--number NO] [--copy]` (no image; top right of page 1 unless --rect)
 * with `--page N` (1-based) and `--rect x,y,w,h`.
 */
export function visibleSignatureFromOptions(o: CliOptionValues): VisibleSignatureOptions {
  const kind = one(o, 'appearance');
  const image = one(o, 'image');
  const pageS = one(o, 'page');
  const rectS = one(o, 'rect');
  const out: VisibleSignatureOptions = {};
  if (pageS !== undefined) {
    const n = Number(pageS);
    if (!Number.isInteger(n) || n < 1) throw new CliUsageError('--page must be a page number from 1');
    out.page = n - 1;
  }
  if (rectS !== undefined) out.rect = parseRect(rectS);
  if (kind === undefined) {
    if (image !== undefined) throw new CliUsageError('--image needs --appearance person or seal');
    if (rectS !== undefined || pageS !== undefined)
      throw new CliUsageError('--page/--rect need --appearance person, seal or stamp');
    return out;
  }
  switch (kind) {
    case 'person': {
      const opts: PersonAppearanceOptions = { titleLines: many(o, 'title') };
      const name = one(o, 'name');
      if (name !== undefined) opts.name = name;
      if (image !== undefined) opts.signatureImage = readImage(image);
      out.appearance = personAppearance(opts);
      break;
    }
    case 'seal': {
      if (image === undefined) throw new CliUsageError('--appearance seal needs --image SEAL.png');
      const mmS = one(o, 'seal-mm');
      const sizeMm = mmS === undefined ? undefined : Number(mmS);
      if (sizeMm !== undefined && !(sizeMm > 0))
        throw new CliUsageError('--seal-mm must be a positive number');
      out.appearance = sealAppearance({
        sealImage: readImage(image),
        ...(sizeMm !== undefined ? { sizeMm } : {}),
      });
      break;
    }
    case 'stamp': {
      if (image !== undefined) throw new CliUsageError('--appearance stamp takes no --image');
      const agency = one(o, 'agency');
      if (!agency) throw new CliUsageError('--appearance stamp needs --agency TEXT');
      const opts: StampAppearanceOptions = { kind: o.copy === true ? 'copy' : 'appendix', agency };
      const num = one(o, 'number');
      if (num !== undefined) opts.documentNumber = num;
      if (out.rect) opts.rect = out.rect;
      out.appearance = stampAppearance(opts);
      break;
    }
    default:
      throw new CliUsageError('--appearance must be person, seal or stamp');
  }
  return out;
}

/** The .pdf files directly in `dir` (sorted; not recursive). */
export function pdfFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.pdf$/i.test(f))
    .filter((f) => statSync(path.join(dir, f)).isFile())
    .sort();
}

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** A progress display: a bar redrawn in place on a terminal, plain lines otherwise. */
export class Progress {
  #done = 0;
  #failed = 0;
  readonly #start = Date.now();
  constructor(
    readonly total: number,
    readonly stream: ProgressStream,
  ) {}

  /** Records one finished item. */
  tick(label: string, error?: string): void {
    this.#done++;
    if (error) this.#failed++;
    const n = `${this.#done}/${this.total}`;
    if (!this.stream.isTTY) {
      this.stream.write(`${error ? 'FAILED' : 'signed'} ${n} ${label}${error ? `: ${error}` : ''}\n`);
      return;
    }
    if (error) this.stream.write(`\r\x1b[K${label}: ${error}\n`);
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - 40));
    const filled = Math.round((this.#done / Math.max(1, this.total)) * width);
    const secs = ((Date.now() - this.#start) / 1000).toFixed(1);
    const name = label.length > 24 ? `…${label.slice(-23)}` : label;
    this.stream.write(`\r\x1b[K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${n} ${secs}s ${name}`);
    if (this.#done === this.total) this.stream.write('\n');
  }

  get failed(): number {
    return this.#failed;
  }
}

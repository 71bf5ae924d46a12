/**
 * Helpers of `kyso pdf sign` (Node only): visible-signature options (--appearance, --image,
 * --page, --rect and the provider's text options) and folder signing with a progress display on
 * stderr (a redrawn bar on a terminal, one plain line per file otherwise).
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { type ParsedArgs, UsageError, flag, list, readInput, str } from '@kyso/pki-core/cli';
import {
  type PersonAppearanceOptions,
  type StampAppearanceOptions,
  personAppearance,
  sealAppearance,
  stampAppearance,
} from '../appearance/decree30.js';
import type { AppearanceProvider, Rect } from './appearance.js';

/** `--rect x,y,w,h` (points, page space, origin bottom left) as [x1 y1 x2 y2]. */
export function parseRect(s: string): Rect {
  const p = s.split(',').map((x) => Number(x.trim()));
  if (p.length !== 4 || p.some((x) => !Number.isFinite(x)) || p[2]! <= 0 || p[3]! <= 0)
    throw new UsageError('--rect must be x,y,w,h in points (w and h > 0)');
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
export function visibleSignatureFromOptions(o: ParsedArgs): VisibleSignatureOptions {
  const kind = str(o, 'appearance');
  const image = str(o, 'image');
  const pageS = str(o, 'page');
  const rectS = str(o, 'rect');
  const out: VisibleSignatureOptions = {};
  if (pageS !== undefined) {
    const n = Number(pageS);
    if (!Number.isInteger(n) || n < 1) throw new UsageError('--page must be a page number from 1');
    out.page = n - 1;
  }
  if (rectS !== undefined) out.rect = parseRect(rectS);
  if (kind === undefined) {
    if (image !== undefined) throw new UsageError('--image needs --appearance person or seal');
    if (rectS !== undefined || pageS !== undefined)
      throw new UsageError('--page/--rect need --appearance person, seal or stamp');
    return out;
  }
  switch (kind) {
    case 'person': {
      const opts: PersonAppearanceOptions = { titleLines: list(o, 'title') };
      const name = str(o, 'name');
      if (name !== undefined) opts.name = name;
      if (image !== undefined) opts.signatureImage = readInput(image);
      out.appearance = personAppearance(opts);
      break;
    }
    case 'seal': {
      if (image === undefined) throw new UsageError('--appearance seal needs --image SEAL.png');
      const mmS = str(o, 'seal-mm');
      const sizeMm = mmS === undefined ? undefined : Number(mmS);
      if (sizeMm !== undefined && !(sizeMm > 0)) throw new UsageError('--seal-mm must be a positive number');
      out.appearance = sealAppearance({
        sealImage: readInput(image),
        ...(sizeMm !== undefined ? { sizeMm } : {}),
      });
      break;
    }
    case 'stamp': {
      if (image !== undefined) throw new UsageError('--appearance stamp takes no --image');
      const agency = str(o, 'agency');
      if (!agency) throw new UsageError('--appearance stamp needs --agency TEXT');
      const opts: StampAppearanceOptions = { kind: flag(o, 'copy') ? 'copy' : 'appendix', agency };
      const num = str(o, 'number');
      if (num !== undefined) opts.documentNumber = num;
      if (out.rect) opts.rect = out.rect;
      out.appearance = stampAppearance(opts);
      break;
    }
    default:
      throw new UsageError('--appearance must be person, seal or stamp');
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

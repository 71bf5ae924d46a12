/**
 * Fictitious demo images, drawn in code (deterministic): a blue handwritten-style signature and a
 * round red seal with Vietnamese text around it, both on a transparent background. The shipped
 * copies are in packages/pdf-sign/assets/demo/ (see its README); `demoSignaturePng()` and
 * `demoSealPng()` return the shipped files, `drawDemoSignature()` / `drawDemoSeal()` redraw them.
 *
 * A tiny anti-aliased rasteriser: nonzero polygon fill with exact horizontal coverage on 5
 * sub-scanlines per pixel (glyph outlines, the star) and distance-based strokes (the signature,
 * the rings).
 */
import fs from 'node:fs';
import { type FontProgram, shippedFont } from '../appearance/fonts.js';
import { type RgbaImage, encodePng } from '../appearance/images.js';

type Pt = [number, number];

class Canvas {
  readonly cov: Float32Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.cov = new Float32Array(width * height);
  }

  /** Union of the shape's coverage with what is there. */
  #merge(i: number, c: number): void {
    const a = this.cov[i]!;
    this.cov[i] = a + c - a * c;
  }

  /** Fills closed polygons with the nonzero rule (one shape: the polygons are filled together). */
  fill(polys: Pt[][]): void {
    const SS = 5;
    let minY = Number.POSITIVE_INFINITY;
    let maxY = Number.NEGATIVE_INFINITY;
    const edges: { x0: number; y0: number; x1: number; y1: number; dir: number }[] = [];
    for (const poly of polys) {
      for (let i = 0; i < poly.length; i++) {
        const a = poly[i]!;
        const b = poly[(i + 1) % poly.length]!;
        if (a[1] === b[1]) continue;
        const dir = b[1] > a[1] ? 1 : -1;
        const [p, q] = dir === 1 ? [a, b] : [b, a];
        edges.push({ x0: p[0], y0: p[1], x1: q[0], y1: q[1], dir });
        minY = Math.min(minY, p[1]);
        maxY = Math.max(maxY, q[1]);
      }
    }
    if (edges.length === 0) return;
    const y0 = Math.max(0, Math.floor(minY));
    const y1 = Math.min(this.height - 1, Math.ceil(maxY));
    const row = new Float32Array(this.width + 1);
    for (let y = y0; y <= y1; y++) {
      row.fill(0);
      let any = false;
      for (let k = 0; k < SS; k++) {
        const sy = y + (k + 0.5) / SS;
        const xs: [number, number][] = [];
        for (const e of edges) {
          if (sy < e.y0 || sy >= e.y1) continue;
          xs.push([e.x0 + ((sy - e.y0) * (e.x1 - e.x0)) / (e.y1 - e.y0), e.dir]);
        }
        if (xs.length < 2) continue;
        xs.sort((a, b) => a[0] - b[0]);
        let wind = 0;
        for (let i = 0; i < xs.length - 1; i++) {
          wind += xs[i]![1];
          if (wind === 0) continue;
          const xa = Math.max(0, xs[i]![0]);
          const xb = Math.min(this.width, xs[i + 1]![0]);
          if (xb <= xa) continue;
          any = true;
          const ia = Math.floor(xa);
          const ib = Math.floor(xb);
          if (ia === ib) row[ia]! += (xb - xa) / SS;
          else {
            row[ia]! += (ia + 1 - xa) / SS;
            for (let x = ia + 1; x < ib; x++) row[x]! += 1 / SS;
            if (ib < this.width) row[ib]! += (xb - ib) / SS;
          }
        }
      }
      if (!any) continue;
      for (let x = 0; x < this.width; x++)
        if (row[x]! > 0) this.#merge(y * this.width + x, Math.min(1, row[x]!));
    }
  }

  /** A polyline with a width varying per point (round joins and caps). */
  stroke(pts: Pt[], widths: number[]): void {
    for (let i = 0; i + 1 < pts.length; i++) {
      const [ax, ay] = pts[i]!;
      const [bx, by] = pts[i + 1]!;
      const wa = widths[i]! / 2;
      const wb = widths[i + 1]! / 2;
      const r = Math.max(wa, wb) + 1;
      const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - r));
      const x1 = Math.min(this.width - 1, Math.ceil(Math.max(ax, bx) + r));
      const y0 = Math.max(0, Math.floor(Math.min(ay, by) - r));
      const y1 = Math.min(this.height - 1, Math.ceil(Math.max(ay, by) + r));
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy || 1;
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const px = x + 0.5;
          const py = y + 0.5;
          const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
          const d = Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
          const c = Math.max(0, Math.min(1, wa + (wb - wa) * t - d + 0.5));
          const idx = y * this.width + x;
          if (c > this.cov[idx]!) this.cov[idx] = c;
        }
      }
    }
  }

  ring(cx: number, cy: number, radius: number, width: number): void {
    for (let y = 0; y < this.height; y++) {
      for (let x = 0; x < this.width; x++) {
        const d = Math.abs(Math.hypot(x + 0.5 - cx, y + 0.5 - cy) - radius);
        const c = Math.max(0, Math.min(1, width / 2 - d + 0.5));
        const idx = y * this.width + x;
        if (c > this.cov[idx]!) this.cov[idx] = c;
      }
    }
  }

  toImage(rgb: [number, number, number], dpi: number): RgbaImage {
    const rgba = new Uint8Array(this.width * this.height * 4);
    for (let i = 0; i < this.cov.length; i++) {
      const a = Math.round(this.cov[i]! * 255);
      if (a === 0) continue;
      rgba[4 * i] = rgb[0];
      rgba[4 * i + 1] = rgb[1];
      rgba[4 * i + 2] = rgb[2];
      rgba[4 * i + 3] = a;
    }
    const ppm = Math.round(dpi / 0.0254);
    return { width: this.width, height: this.height, rgba, pixelsPerMetre: { x: ppm, y: ppm } };
  }
}

/** Glyph outlines of `text` as polygons (font units, y up), advancing along x from 0. */
function glyphPolygons(font: FontProgram, ch: string): { polys: Pt[][]; advance: number } {
  const g = font.font.glyphForCodePoint(ch.codePointAt(0)!);
  const polys: Pt[][] = [];
  let cur: Pt[] = [];
  let last: Pt = [0, 0];
  const STEPS = 8;
  for (const { command, args } of g.path.commands) {
    if (command === 'moveTo') {
      if (cur.length > 2) polys.push(cur);
      last = [args[0]!, args[1]!];
      cur = [last];
    } else if (command === 'lineTo') {
      last = [args[0]!, args[1]!];
      cur.push(last);
    } else if (command === 'quadraticCurveTo') {
      const [cx, cy, x, y] = args as [number, number, number, number];
      for (let s = 1; s <= STEPS; s++) {
        const t = s / STEPS;
        const u = 1 - t;
        cur.push([
          u * u * last[0] + 2 * u * t * cx + t * t * x,
          u * u * last[1] + 2 * u * t * cy + t * t * y,
        ]);
      }
      last = [x, y];
    } else if (command === 'bezierCurveTo') {
      const [c1x, c1y, c2x, c2y, x, y] = args as [number, number, number, number, number, number];
      for (let s = 1; s <= STEPS; s++) {
        const t = s / STEPS;
        const u = 1 - t;
        cur.push([
          u * u * u * last[0] + 3 * u * u * t * c1x + 3 * u * t * t * c2x + t * t * t * x,
          u * u * u * last[1] + 3 * u * u * t * c1y + 3 * u * t * t * c2y + t * t * t * y,
        ]);
      }
      last = [x, y];
    } else if (command === 'closePath') {
      if (cur.length > 2) polys.push(cur);
      cur = [];
    }
  }
  if (cur.length > 2) polys.push(cur);
  return { polys, advance: g.advanceWidth };
}

/** Draws `text` centred on the upper arc of a circle (baseline on the circle, letters outward). */
function arcText(
  cv: Canvas,
  font: FontProgram,
  text: string,
  cx: number,
  cy: number,
  radius: number,
  px: number,
  spacing: number,
): void {
  const s = px / font.unitsPerEm;
  const chars = [...text.normalize('NFC')];
  const glyphs = chars.map((c) => glyphPolygons(font, c));
  const total = glyphs.reduce((n, g) => n + g.advance * s + spacing, -spacing);
  let along = -total / 2;
  for (const g of glyphs) {
    const w = g.advance * s;
    const theta = (along + w / 2) / radius;
    const [sx, sy] = [Math.sin(theta), -Math.cos(theta)];
    const [tx, ty] = [Math.cos(theta), Math.sin(theta)];
    const bx = cx + radius * sx;
    const by = cy + radius * sy;
    cv.fill(
      g.polys.map((poly) =>
        poly.map(([gx, gy]) => {
          const lx = gx * s - w / 2;
          const ly = gy * s;
          return [bx + lx * tx + ly * sx, by + lx * ty + ly * sy] as Pt;
        }),
      ),
    );
    along += w + spacing;
  }
}

/** Draws `text` horizontally centred at (cx, baselineY). */
function lineText(
  cv: Canvas,
  font: FontProgram,
  text: string,
  cx: number,
  baselineY: number,
  px: number,
): void {
  const s = px / font.unitsPerEm;
  const glyphs = [...text.normalize('NFC')].map((c) => glyphPolygons(font, c));
  const total = glyphs.reduce((n, g) => n + g.advance * s, 0);
  let x = cx - total / 2;
  for (const g of glyphs) {
    cv.fill(g.polys.map((poly) => poly.map(([gx, gy]) => [x + gx * s, baselineY - gy * s] as Pt)));
    x += g.advance * s;
  }
}

function star(cv: Canvas, cx: number, cy: number, r: number): void {
  const pts: Pt[] = [];
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const rr = i % 2 === 0 ? r : r * 0.382;
    pts.push([cx + rr * Math.cos(a), cy + rr * Math.sin(a)]);
  }
  cv.fill([pts]);
}

/** Options of `drawDemoSeal` (a fictitious seal for demos and tests; never a real agency's). */
export interface DemoSealOptions {
  /** Text around the ring (default 'ỦY BAN NHÂN DÂN TỈNH AN LẠC', fictitious). */
  ringText?: string;
  /** Lines in the centre (default ['SỞ KHOA HỌC', 'VÀ CÔNG NGHỆ']). */
  centerLines?: string[];
  /** Pixels (square). Default 600. */
  size?: number;
  /** Real diameter written as pHYs. Default 36 mm. */
  diameterMm?: number;
}

/** A round red seal (fictitious), transparent background, pHYs = real size. */
export function drawDemoSeal(o: DemoSealOptions = {}): RgbaImage {
  const size = o.size ?? 600;
  const k = size / 600;
  const cv = new Canvas(size, size);
  const c = size / 2;
  const bold = shippedFont('serif-bold');
  cv.ring(c, c, 290 * k, 14 * k);
  cv.ring(c, c, 205 * k, 5 * k);
  arcText(cv, bold, o.ringText ?? 'ỦY BAN NHÂN DÂN TỈNH AN LẠC', c, c, 225 * k, 50 * k, 3 * k);
  star(cv, c, c + 243 * k, 22 * k);
  star(cv, c, c - 95 * k, 42 * k);
  const lines = o.centerLines ?? ['SỞ KHOA HỌC', 'VÀ CÔNG NGHỆ'];
  lines.forEach((l, i) => {
    lineText(cv, bold, l, c, c + (10 + 58 * i + (lines.length === 1 ? 25 : 0)) * k, 46 * k);
  });
  const dpi = size / ((o.diameterMm ?? 36) / 25.4);
  return cv.toImage([218, 28, 36], dpi);
}

/** A blue handwritten-style signature (fictitious), transparent background, 600 x 240 px at 300 dpi. */
export function drawDemoSignature(): RgbaImage {
  const W = 600;
  const H = 240;
  const cv = new Canvas(W, H);
  // Control points of one continuous pen stroke (a stylised "An" with loops and a flourish).
  const ctrl: Pt[] = [
    [40, 190],
    [85, 120],
    [130, 40],
    [150, 35],
    [140, 90],
    [120, 170],
    [105, 200],
    [125, 150],
    [175, 120],
    [215, 118],
    [190, 140],
    [165, 175],
    [200, 168],
    [240, 120],
    [255, 110],
    [250, 150],
    [245, 175],
    [275, 135],
    [305, 110],
    [320, 125],
    [310, 170],
    [330, 160],
    [365, 110],
    [395, 60],
    [405, 50],
    [395, 110],
    [380, 180],
    [400, 150],
    [430, 125],
    [455, 128],
    [440, 165],
    [470, 150],
    [520, 110],
    [560, 100],
    [545, 150],
    [470, 195],
    [330, 210],
    [190, 205],
    [90, 200],
    [70, 196],
  ];
  // Catmull-Rom through the control points.
  const pts: Pt[] = [];
  for (let i = 0; i + 1 < ctrl.length; i++) {
    const p0 = ctrl[Math.max(0, i - 1)]!;
    const p1 = ctrl[i]!;
    const p2 = ctrl[i + 1]!;
    const p3 = ctrl[Math.min(ctrl.length - 1, i + 2)]!;
    const steps = Math.max(6, Math.ceil(Math.hypot(p2[0] - p1[0], p2[1] - p1[1]) / 2));
    for (let s = 0; s < steps; s++) {
      const t = s / steps;
      const t2 = t * t;
      const t3 = t2 * t;
      const f = (a: number, b: number, c: number, d: number) =>
        0.5 * (2 * b + (-a + c) * t + (2 * a - 5 * b + 4 * c - d) * t2 + (-a + 3 * b - 3 * c + d) * t3);
      pts.push([f(p0[0], p1[0], p2[0], p3[0]), f(p0[1], p1[1], p2[1], p3[1])]);
    }
  }
  pts.push(ctrl[ctrl.length - 1]!);
  // Pen pressure: thicker on downstrokes, thin at the start and the end of the stroke.
  const widths = pts.map((p, i) => {
    const q = pts[Math.min(pts.length - 1, i + 1)]!;
    const down = q[1] - p[1] > 0 ? 1.6 : 0;
    const taper = Math.min(1, i / 25, (pts.length - 1 - i) / 60);
    return (3.4 + 1.6 * down + 1.4 * Math.sin(i / 17)) * (0.35 + 0.65 * taper);
  });
  cv.stroke(pts, widths);
  // A short second stroke (the dot-like tick typical of Vietnamese signatures).
  cv.stroke(
    [
      [470, 60],
      [490, 52],
      [512, 50],
    ],
    [2, 5, 1.5],
  );
  return cv.toImage([20, 50, 170], 300);
}

/** The shipped demo images (assets/demo/): the blue signature or the red seal, both fictitious. */
export type DemoAsset = 'signature' | 'seal';

/** Path of a shipped demo image. */
export function demoAssetPath(which: DemoAsset): string {
  return new URL(
    `../../assets/demo/${which === 'seal' ? 'demo-seal.png' : 'demo-signature.png'}`,
    import.meta.url,
  ).pathname;
}

/** The shipped demo signature PNG (blue, transparent). Fictitious. */
export function demoSignaturePng(): Uint8Array {
  return new Uint8Array(fs.readFileSync(demoAssetPath('signature')));
}

/** The shipped demo seal PNG (red, transparent, pHYs = 36 mm). Fictitious. */
export function demoSealPng(): Uint8Array {
  return new Uint8Array(fs.readFileSync(demoAssetPath('seal')));
}

/** Writes both demo images as PNG files into `dir` (used to produce assets/demo/). */
export function writeDemoImages(dir: string): void {
  fs.writeFileSync(`${dir}/demo-signature.png`, encodePng(drawDemoSignature()));
  fs.writeFileSync(`${dir}/demo-seal.png`, encodePng(drawDemoSeal()));
}

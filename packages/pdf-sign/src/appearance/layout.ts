/**
 * Text measuring and wrapping for appearance streams (single font per line, no kerning: the same
 * advance widths as the embedded /W array, so what is measured is what is drawn).
 */
import { type FontProgram, normalizeText, textWidth } from './fonts.js';

/** Horizontal alignment of a line in its box. */
export type Align = 'left' | 'center' | 'right';

/** A font and size for measuring and drawing text. */
export interface TextStyle {
  /** The TrueType font program (its metrics give widths, ascent and descent). */
  font: FontProgram;
  /** Size in points. */
  size: number;
}

/** Width of `text` in points. */
export function measure(style: TextStyle, text: string): number {
  return textWidth(style.font, text, style.size);
}

/**
 * Splits `text` into lines no wider than `maxWidth`: explicit newlines are kept, lines break at
 * spaces, and a single word longer than the line is broken between characters.
 */
export function wrapText(style: TextStyle, text: string, maxWidth: number): string[] {
  return wrapWith((s) => measure(style, s), text, maxWidth);
}

/** `wrapText` with any width function (e.g. a pdf-lib font's widthOfTextAtSize). */
export function wrapWith(width: (s: string) => number, text: string, maxWidth: number): string[] {
  const out: string[] = [];
  for (const para of normalizeText(text).split(/\r\n|\r|\n/)) {
    const words = para.split(/ +/).filter((w) => w.length > 0);
    if (words.length === 0) {
      out.push('');
      continue;
    }
    let line = '';
    for (const word of words) {
      const candidate = line ? `${line} ${word}` : word;
      if (width(candidate) <= maxWidth) {
        line = candidate;
        continue;
      }
      if (line) out.push(line);
      line = '';
      if (width(word) <= maxWidth) {
        line = word;
        continue;
      }
      // A word wider than the line: break it by characters.
      let piece = '';
      for (const ch of word) {
        if (piece && width(piece + ch) > maxWidth) {
          out.push(piece);
          piece = '';
        }
        piece += ch;
      }
      line = piece;
    }
    out.push(line);
  }
  return out;
}

/** x offset of a line of width `w` aligned in a box of width `boxWidth`. */
export function alignOffset(align: Align, w: number, boxWidth: number): number {
  if (align === 'center') return (boxWidth - w) / 2;
  if (align === 'right') return boxWidth - w;
  return 0;
}

/** Line height (baseline to baseline) for a size, Times-like leading 1.15. */
export const lineHeight = (size: number, leading = 1.15): number => size * leading;

/** Distance from the top of a line box to its baseline (the font ascent at `size`). */
export function ascentAt(style: TextStyle): number {
  return (style.font.font.ascent / style.font.unitsPerEm) * style.size;
}

/** Distance below the baseline (positive) of the font descent at `size`. */
export function descentAt(style: TextStyle): number {
  return (-style.font.font.descent / style.font.unitsPerEm) * style.size;
}

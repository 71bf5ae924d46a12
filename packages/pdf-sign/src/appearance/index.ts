/**
 * `@kyso/pdf-sign/appearance`: visible signatures laid out per Decree 30/2020/NĐ-CP Phụ lục I: the
 * competent official's block ({@link personAppearance}, boxes 7a/7b/7c), the agency's seal
 * ({@link sealAppearance}, box 8) and the text stamp of appendices and electronic copies
 * ({@link stampAppearance}, box 14), with embedded subset TrueType fonts (Liberation Serif, Times
 * metrics, full Vietnamese), PNG images and text layout. Pass a provider as the `appearance`
 * option of `preparePdfSignature` / `signPdf`.
 *
 * @packageDocumentation
 */
export {
  formatVietnamTime,
  layoutPerson,
  fitImage,
  personAppearance,
  personImageRect,
  sealRectFor,
  sealSize,
  sealAppearance,
  stampLines,
  stampAppearance,
  type AppearanceFonts,
  upperVi,
  type TimeFormat,
  type PersonAppearanceOptions,
  type PersonLayout,
  type PersonAppearanceProvider,
  DEFAULT_SEAL_DIAMETER_MM,
  type SealAppearanceOptions,
  type CopyForm,
  type StampAppearanceOptions,
} from './decree30.js';
export {
  loadFontProgram,
  shippedFontFile,
  registerShippedFont,
  shippedFont,
  textWidth,
  checkCoverage,
  type FontProgram,
  type ShippedFont,
  normalizeText,
  FontSubsetter,
} from './fonts.js';
export {
  isPng,
  decodePng,
  encodePng,
  embedImage,
  type RgbaImage,
  MAX_IMAGE_PIXELS,
  type EmbeddedImage,
  mm,
} from './images.js';
export {
  measure,
  wrapText,
  wrapWith,
  alignOffset,
  ascentAt,
  descentAt,
  type Align,
  type TextStyle,
  lineHeight,
} from './layout.js';

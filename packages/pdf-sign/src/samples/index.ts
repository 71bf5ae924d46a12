/**
 * `@kyso/pdf-sign/samples`: sample Vietnamese administrative documents (công văn, quyết định) laid
 * out after Decree 30/2020/NĐ-CP Phụ lục I with an empty signature block, and fictitious demo
 * signature and seal images, for tests, demos and benchmarks. Everything here is fictitious; the
 * documents need pdf-lib (a devDependency), so this entry is not for the signing path.
 *
 * @packageDocumentation
 */
export {
  drawDemoSeal,
  drawDemoSignature,
  demoAssetPath,
  demoSignaturePng,
  demoSealPng,
  writeDemoImages,
  type DemoSealOptions,
  type DemoAsset,
} from './demo-images.js';
export {
  placeDateLine,
  congVanSample,
  quyetDinhSample,
  type SampleHeader,
  type SampleSignatureBlock,
  type SampleOptions,
  type SampleDocument,
} from './documents.js';

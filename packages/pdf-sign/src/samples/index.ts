// Sample Vietnamese administrative documents and fictitious demo images (tests, demos, benchmarks).
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

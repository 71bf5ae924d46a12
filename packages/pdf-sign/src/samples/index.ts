// Sample Vietnamese administrative documents and fictitious demo images (tests, demos, benchmarks).
export * from './demo-images.js';
export * from './documents.js';

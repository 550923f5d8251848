export * from './schemas/index.js';
export * from './ownership.js';
export * from './wire.js';
export * from './hlc.js';
export * from './new-documents.js';
export * from './storable-text.js';
export * from './member-merge.js';

export * from './result.js';
export * from './program.js';
export * from './ledger-types.js';

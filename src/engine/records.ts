export { readRecords } from './ledger.js';

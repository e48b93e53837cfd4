export type { ClaimResult, DedupeStore } from './types';
export { MemoryStore, type MemoryStoreOptions } from './memory-store';

export type { ClaimResult, DedupeStore } from './types';
export { MemoryStore, type MemoryStoreOptions } from './memory-store';
export {
  RedisStore,
  type IoRedisClientLike,
  type NodeRedisClientLike,
  type NodeRedisClusterLike,
  type NodeRedisSentinelLike,
  type RedisClientLike,
  type RedisStoreOptions,
} from './redis-store';

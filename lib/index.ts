export { innopaasWebhook } from './middleware';
export type { InnopaasWebhookMiddleware, NextFunction } from './middleware';
export type {
  DedupeOptions,
  ErrorContext,
  EventHandler,
  EventHandlers,
  InnopaasWebhookOptions,
  InvalidEventInfo,
  WebhookRequest,
} from './types';
export { InnopaasWebhookError, isInnopaasWebhookError, PROBLEM_STATUS } from './errors';
export type { ProblemCode, ProblemDetails, ValidationProblem } from './errors';
export type { Credentials } from './credentials';
export { MemoryStore, RedisStore } from './dedupe';
export type {
  ClaimResult,
  DedupeStore,
  IoRedisClientLike,
  MemoryStoreOptions,
  NodeRedisClientLike,
  NodeRedisClusterLike,
  RedisClientLike,
  RedisStoreOptions,
} from './dedupe';
export { parseInnopaasTime } from './time';
export * from './events';

export { innopaasWebhook } from './adapters/node';
export type { InnopaasWebhookMiddleware, NextFunction } from './adapters/node';
export { handleExpectContinue } from './adapters/expect-continue';
export type {
  DedupeOptions,
  ErrorContext,
  ErrorHook,
  EventHandler,
  EventHandlers,
  InnopaasWebhookOptions,
  InvalidEventInfo,
  WebhookRequest,
} from './core/types';
export { createEventDispatcher } from './core/event-dispatcher';
export type { ContextHandler, DispatchResult, EventDispatch, EventDispatcherOptions } from './core/event-dispatcher';
export type { HandlerContext } from './core/dispatch';
export type {
  AnswerCode,
  DedupeOutcome,
  DeliveryAnswer,
  DeliveryObservation,
  DeliveryObserver,
  DeliveryStart,
} from './core/observer';
export type { LoggerLike } from './core/logger';
export type { EnqueueResult, EventQueue } from './delivery/queue';
export { InnopaasWebhookError, isInnopaasWebhookError, PROBLEM_STATUS } from './core/errors';
export type { ProblemCode, ProblemDetails, ValidationProblem } from './core/errors';
export type { Credentials } from './stages/credentials';
export { MemoryStore, RedisStore } from './delivery';
export type {
  ClaimResult,
  DedupeStore,
  IoRedisClientLike,
  MemoryStoreOptions,
  NodeRedisClientLike,
  NodeRedisClusterLike,
  NodeRedisSentinelLike,
  RedisClientLike,
  RedisStoreOptions,
} from './delivery';
export { parseInnopaasTime } from './events/time';
export * from './events';
export { innopaasFetchHandler } from './adapters/fetch';
export type { FetchHandlerContext, InnopaasFetchHandler, InnopaasFetchHandlerOptions } from './adapters/fetch';

/** Whether a value is a thenable: any promise, not only a native one (a handler may return another library's). */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/**
 * For a result nobody awaits (a hook's, an observer's, a logger's): when it is a promise, its rejection
 * goes to `onRejected` instead of crashing the process as an unhandled rejection.
 */
export function dropResult(result: unknown, onRejected: (error: unknown) => void): void {
  void catchResult(result, onRejected);
}

/**
 * {@link dropResult}, returning the promise that settles with the result (never rejecting), for a
 * platform that must be told to wait for it; undefined when the result is not a promise.
 */
export function catchResult(result: unknown, onRejected: (error: unknown) => void): Promise<unknown> | undefined {
  try {
    // Promise.resolve adopts a foreign thenable too, and turns a `then` that throws into a rejection.
    if (isThenable(result)) return Promise.resolve(result).then(undefined, onRejected);
  } catch (error) {
    // A `then` getter that throws.
    onRejected(error);
  }
  return undefined;
}

/** Settles as `pending` does, or rejects with `timeoutError()` after `ms`, whichever comes first. */
export function withTimeout<T>(pending: PromiseLike<T>, ms: number, timeoutError: () => Error): Promise<T> {
  // One promise, rather than Promise.race with a timeout promise and a finally: this runs per request.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(timeoutError());
    }, ms);
    const settle = () => {
      clearTimeout(timer);
    };
    try {
      pending.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
          // Whatever `pending` rejected with, as Promise.race would pass it on.
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
          reject(error);
        },
      );
    } catch (error) {
      // A foreign thenable whose `then` throws.
      settle();
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
      reject(error);
    }
  });
}

/** Whether a value is a thenable: any promise, not only a native one (a handler may return another library's). */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** Settles as `pending` does, or rejects with `timeoutError()` after `ms`, whichever comes first. */
export function withTimeout<T>(pending: PromiseLike<T>, ms: number, timeoutError: () => Error): Promise<T> {
  // One promise, rather than Promise.race with a timeout promise and a finally: this runs per request.
  // `pending` may reject with anything, and this rejects with the same, as Promise.race would.
  return new Promise<T>((resolve, reject: (reason: unknown) => void) => {
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
          reject(error);
        },
      );
    } catch (error) {
      // A foreign thenable whose `then` throws.
      settle();
      reject(error);
    }
  });
}

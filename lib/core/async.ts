/** Whether a value is a thenable: any promise, not only a native one (a handler may return another library's). */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** Settles as `pending` does, or rejects with `timeoutError()` after `ms`, whichever comes first. */
export function withTimeout<T>(pending: PromiseLike<T>, ms: number, timeoutError: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(timeoutError());
    }, ms);
  });
  return Promise.race([pending, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

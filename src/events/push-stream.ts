/**
 * An async iterator fed by pushes: what a subscription reads. The consumer ends it with
 * `return()` (the client unsubscribed or went away), the producer with `end()` or `fail()`.
 * `onClose` runs once, whichever end comes first, so the producer stops feeding it. A consumer
 * that falls more than `maxBuffered` items behind fails with `overflow()`'s error instead of
 * growing the process.
 */
export class PushStream<T> implements AsyncIterableIterator<T> {
  private readonly buffered: T[] = [];
  private waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | undefined;
  private closed = false;
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly onClose: () => void,
    private readonly maxBuffered: number,
    private readonly overflow: () => Error,
  ) {}

  push(value: T): void {
    if (this.closed) return;
    if (this.waiting) {
      const { resolve } = this.waiting;
      this.waiting = undefined;
      resolve({ value, done: false });
      return;
    }
    this.buffered.push(value);
    if (this.buffered.length > this.maxBuffered) this.fail(this.overflow());
  }

  /** No more values: the consumer reads what is buffered, then the end. */
  end(): void {
    if (this.closed) return;
    this.close();
    if (this.waiting) {
      this.waiting.resolve({ value: undefined, done: true });
      this.waiting = undefined;
    }
  }

  fail(error: unknown): void {
    if (this.closed) return;
    this.close();
    this.buffered.length = 0;
    this.failure = { error };
    if (this.waiting) {
      this.waiting.reject(error);
      this.waiting = undefined;
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffered.length > 0) return Promise.resolve({ value: this.buffered.shift()!, done: false });
    if (this.failure) {
      const { error } = this.failure;
      this.failure = undefined;
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.buffered.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<T>> {
    this.return().catch(() => undefined);
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private close(): void {
    this.closed = true;
    this.onClose();
  }
}

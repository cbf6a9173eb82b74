// Gathers work that arrives within a short window into one call, so that many
// containers starting together share one network-namespace batch.

export class Batcher<T, R> {
  private items: T[] = []
  private waiters: Array<{ resolve: (r: R) => void; reject: (e: unknown) => void }> = []
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly runBatch: (items: T[]) => Promise<R[]>,
    private readonly windowMs: number,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.items.push(item)
      this.waiters.push({ resolve, reject })
      this.timer ??= setTimeout(() => void this.flush(), this.windowMs)
    })
  }

  private async flush(): Promise<void> {
    const items = this.items
    const waiters = this.waiters
    this.items = []
    this.waiters = []
    this.timer = undefined
    try {
      const results = await this.runBatch(items)
      waiters.forEach((w, i) => w.resolve(results[i]))
    } catch (err) {
      waiters.forEach((w) => w.reject(err))
    }
  }
}

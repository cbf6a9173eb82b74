// Gathers work that arrives together into one call, so that many containers
// starting together share one network-namespace batch. There is no fixed
// window: a lone item is flushed at once (on the next turn of the event loop,
// after whatever arrived in the same turn); items that arrive while
// `maxInFlight` batches are running wait for one of them and go together.

export class Batcher<T, R> {
  private items: T[] = []
  private waiters: Array<{ resolve: (r: R) => void; reject: (e: unknown) => void }> = []
  private scheduled = false
  private inFlight = 0

  constructor(
    private readonly runBatch: (items: T[]) => Promise<R[]>,
    private readonly maxInFlight = 2,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.items.push(item)
      this.waiters.push({ resolve, reject })
      this.schedule()
    })
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.items.length === 0) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      void this.flush()
    })
  }

  private async flush(): Promise<void> {
    if (this.items.length === 0 || this.inFlight >= this.maxInFlight) return
    const items = this.items
    const waiters = this.waiters
    this.items = []
    this.waiters = []
    this.inFlight++
    try {
      const results = await this.runBatch(items)
      waiters.forEach((w, i) => w.resolve(results[i]))
    } catch (err) {
      waiters.forEach((w) => w.reject(err))
    } finally {
      this.inFlight--
      this.schedule()
    }
  }
}

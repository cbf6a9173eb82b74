// Work for one container runs in order (a die waits for its start); work for
// different containers runs in parallel, at most `limit` at a time.

type Task = () => Promise<void>

export class KeyedQueue {
  private tails = new Map<string, Promise<void>>()
  private running = 0
  private waiting: Array<() => void> = []

  constructor(private readonly limit: number) {}

  /** Queue `task` behind earlier work for `key`; resolves when it has run. */
  push(key: string, task: Task): Promise<void> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    const next = previous.then(() => this.withSlot(task))
    const tail = next.catch(() => undefined)
    this.tails.set(key, tail)
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    })
    return next
  }

  /** True while any task is queued or running. */
  get busy(): boolean {
    return this.tails.size > 0
  }

  /** Resolves once everything queued so far has run. */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.allSettled([...this.tails.values()])
  }

  private async withSlot(task: Task): Promise<void> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve))
    this.running++
    try {
      await task()
    } finally {
      this.running--
      this.waiting.shift()?.()
    }
  }
}

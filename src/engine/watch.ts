// Follows one engine's container events; when the stream breaks (engine
// restarted, socket cut), reconnects with backoff and resynchronises with
// the containers that started or died meanwhile.
import { setTimeout as sleep } from 'node:timers/promises'
import { describeError } from '../errors.js'
import { isVerbose, log, preciseNow } from '../log.js'
import type { ContainerEngine, EngineEvent } from '../runtime/index.js'
import type { NetworkEngine } from './engine.js'

const FIRST_RETRY_MS = 200
const MAX_RETRY_MS = 5000

export class EngineWatch {
  private unsubscribe: () => void = () => {}
  /** Identifies the current subscription, so one broken stream is reported once. */
  private stream = 0
  private stopped = false

  constructor(
    /** At start-up, events are subscribed before the engine is made (it needs the bridges): they wait for it. */
    private readonly engine: NetworkEngine | Promise<NetworkEngine>,
    private readonly client: ContainerEngine,
  ) {}

  async start(): Promise<void> {
    await this.subscribe()
  }

  stop(): void {
    this.stopped = true
    this.unsubscribe()
  }

  private async subscribe(): Promise<void> {
    const stream = ++this.stream
    this.unsubscribe = await this.client.events(
      (event) => this.dispatch(event),
      (err) => stream === this.stream && this.lost(err),
    )
  }

  private dispatch(event: EngineEvent): void {
    if (isVerbose()) log.detail(`${this.client.kind} ${event.action} event of ${event.id.slice(0, 12)} received at ${preciseNow()}`)
    void Promise.resolve(this.engine).then((engine) =>
      event.action === 'start' ? engine.containerStarted(this.client, event.id, { event }) : engine.containerDied(event.id))
  }

  private lost(err: unknown): void {
    if (this.stopped) return
    const stream = ++this.stream
    this.unsubscribe()
    log.warn(`${this.client.kind} event stream lost (${describeError(err)}): reconnecting`)
    void this.reconnect(stream)
  }

  private async reconnect(stream: number): Promise<void> {
    for (let delay = FIRST_RETRY_MS; !this.stopped && stream === this.stream; delay = Math.min(delay * 2, MAX_RETRY_MS)) {
      await sleep(delay)
      try {
        await this.client.listRunning() // the engine answers again
        await this.subscribe()
        stream = this.stream
        const running = await (await this.engine).resync(this.client)
        log.info(`${this.client.kind} event stream reconnected: resynchronised with ${running} running containers`)
        return
      } catch (err) {
        log.detail(`${this.client.kind} still unreachable: ${describeError(err)}`)
      }
    }
  }
}

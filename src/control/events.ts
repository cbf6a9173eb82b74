// Link events for `conlink events` and the web page: kept in a bounded ring
// (the most recent ones) and pushed to every subscriber.

export const EVENT_TYPES = ['created', 'deleted', 'failed', 'down', 'up', 'impairment-changed'] as const
export type ControlEventType = (typeof EVENT_TYPES)[number]

export interface ControlEvent {
  /** ISO 8601 time with milliseconds. */
  time: string
  type: ControlEventType
  /** `container:dev` */
  link: string
  container: string
  dev: string
  /** A short human detail: the error, the impairment, `flap 2/3`. */
  detail?: string
}

const KEPT = 1000

export class EventLog {
  private readonly recent: ControlEvent[] = []
  private readonly listeners = new Set<(e: ControlEvent) => void>()

  constructor(private readonly kept = KEPT) {}

  emit(type: ControlEventType, container: string, dev: string, detail?: string): ControlEvent {
    const event: ControlEvent = { time: new Date().toISOString(), type, link: `${container}:${dev}`, container, dev }
    if (detail) event.detail = detail
    this.recent.push(event)
    if (this.recent.length > this.kept) this.recent.splice(0, this.recent.length - this.kept)
    for (const listener of this.listeners) listener(event)
    return event
  }

  /** The events kept so far, oldest first. */
  history(): ControlEvent[] {
    return [...this.recent]
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: (e: ControlEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}

/** One line of `conlink events` without --json. */
export function formatEvent(e: ControlEvent): string {
  return `${e.time} ${e.type.padEnd(18)} ${e.link}${e.detail ? `  ${e.detail}` : ''}`
}

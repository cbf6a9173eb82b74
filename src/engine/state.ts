// What the engine has wired, and whether everything configured is connected.
import type { ContainerInfo, LinkInstance } from '../config/types.js'
import { linkLabel } from '../config/label.js'

export type WiringStatus = 'pending' | 'connected' | 'failed'

export interface WiredContainer {
  info: ContainerInfo
  instances: LinkInstance[]
  status: WiringStatus
  /** Why wiring failed, short (`kernel lacks dummy`). */
  reason?: string
}

/** How many links exist, of how many expected, and which are missing and why. */
export interface ConnectionSummary {
  connected: number
  total: number
  /** `internet_1:i0 (kernel lacks dummy)`, `node:eth0 (no container yet)`, one per missing link. */
  missing: string[]
}

/** At most this many missing links are named in one log line. */
const MAX_NAMED = 10

export class WiringState {
  readonly containers = new Map<string, WiredContainer>()
  private announced = false

  constructor(private readonly configuredLinks: Set<string>) {}

  set(id: string, entry: WiredContainer): void {
    this.containers.set(id, entry)
  }

  remove(id: string): WiredContainer | undefined {
    const entry = this.containers.get(id)
    this.containers.delete(id)
    return entry
  }

  /** Configured links that no connected container has yet. */
  missingLinks(): string[] {
    const present = new Set<string>()
    for (const c of this.containers.values()) {
      if (c.status === 'connected') for (const i of c.instances) present.add(linkLabel(i.link, { bare: true }))
    }
    return [...this.configuredLinks].filter((key) => !present.has(key))
  }

  allConnected(): boolean {
    if ([...this.containers.values()].some((c) => c.status !== 'connected')) return false
    return this.missingLinks().length === 0
  }

  /** Connected link instances, and every instance or configured link that is not. */
  summary(): ConnectionSummary {
    let connected = 0
    const missing: string[] = []
    const seen = new Set<string>()
    for (const c of this.containers.values()) {
      for (const i of c.instances) seen.add(linkLabel(i.link, { bare: true }))
      if (c.status === 'connected') connected += c.instances.length
      else for (const i of c.instances) missing.push(`${instanceName(c.info, i.dev)} (${c.status === 'failed' ? (c.reason ?? 'failed') : 'waiting'})`)
    }
    for (const key of this.configuredLinks) if (!seen.has(key)) missing.push(`${key} (no container yet)`)
    return { connected, total: connected + missing.length, missing }
  }

  /** True exactly once: the first time everything is connected. */
  shouldAnnounce(): boolean {
    if (this.announced || !this.allConnected()) return false
    this.announced = true
    return true
  }
}

/** `node_2:eth0` for a service replica, `name:dev` for a container. */
function instanceName(info: ContainerInfo, dev: string): string {
  return `${info.service ? `${info.service}_${info.index}` : info.name}:${dev}`
}

/** `Links connected: 14 of 15; waiting for or failed: internet_1:i0 (kernel lacks dummy)`. */
export function describeSummary(s: ConnectionSummary): string {
  const named = s.missing.slice(0, MAX_NAMED).join(', ')
  const more = s.missing.length > MAX_NAMED ? ` and ${s.missing.length - MAX_NAMED} more` : ''
  return `Links connected: ${s.connected} of ${s.total}; waiting for or failed: ${named}${more}`
}

/** A failure in a few words: `kernel lacks dummy`, else the first line of the message. */
export function shortReason(message: string): string {
  const feature = /needs kernel feature '([\w-]+)'/.exec(message)
  if (feature) return `kernel lacks ${feature[1]}`
  const first = message.split('\n')[0]
  return first.length > 120 ? first.slice(0, 117) + '...' : first
}

// What the engine has wired, and whether everything configured is connected.
import type { ContainerInfo, LinkInstance } from '../config/types.js'
import { linkKey } from './match.js'

export type WiringStatus = 'pending' | 'connected' | 'failed'

export interface WiredContainer {
  info: ContainerInfo
  instances: LinkInstance[]
  status: WiringStatus
}

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
      if (c.status === 'connected') for (const i of c.instances) present.add(linkKey(i.link))
    }
    return [...this.configuredLinks].filter((key) => !present.has(key))
  }

  allConnected(): boolean {
    if ([...this.containers.values()].some((c) => c.status !== 'connected')) return false
    return this.missingLinks().length === 0
  }

  /** True exactly once: the first time everything is connected. */
  shouldAnnounce(): boolean {
    if (this.announced || !this.allConnected()) return false
    this.announced = true
    return true
  }
}

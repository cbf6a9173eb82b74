// The reconciler: what happens when a matching container starts or dies,
// and on shutdown. Kernel work is the net room's; engine I/O the runtime's.
import type { ContainerInfo, LinkInstance, NetworkConfig } from '../config/types.js'
import { instantiateLink } from '../config/replica.js'
import { describeError } from '../errors.js'
import { isVerbose, log, preciseNow } from '../log.js'
import { addLinksForContainers, deleteLinksForContainers, processAlive, type NetContext } from '../net/index.js'
import { announcedInfo, type ContainerEngine, type EngineEvent } from '../runtime/index.js'
import { configuredLinkKeys, matchContainer, type ContainerWork, type MatchScope } from './match.js'
import { Batcher } from './batch.js'
import { KeyedQueue } from './queue.js'
import { WiringState, describeSummary, shortReason } from './state.js'

export interface EngineOptions {
  config: NetworkConfig
  ctx: NetContext
  scope: MatchScope
  /** Containers handled at the same time. */
  concurrency: number
  /** Kernel batches of container starts (and of deaths) run at once; starts that arrive meanwhile go together in the next. */
  batchesInFlight?: number
  /** Told about each container's links (the control plane: events, runtime overrides). */
  hooks?: EngineHooks
  /** Where links are made and removed (default: the kernel, through net/; unit tests pass a recorder). */
  links?: LinkWork
}

/** The kernel side of the reconciler: batches of container link groups. */
export interface LinkWork {
  add(ctx: NetContext, groups: LinkInstance[][]): Promise<Map<string, Error | undefined>>
  delete(ctx: NetContext, groups: LinkInstance[][]): Promise<void>
}

const KERNEL_LINKS: LinkWork = { add: addLinksForContainers, delete: deleteLinksForContainers }

/** Calls out of the reconciler, in the order things happen to one container. */
export interface EngineHooks {
  /** The links exist; awaited before the container counts as connected (runtime overrides are re-applied here). */
  wired?(info: ContainerInfo, instances: LinkInstance[]): Promise<void>
  failed?(info: ContainerInfo, instances: LinkInstance[], error: Error): void
  /** The links were removed (or went with the container). */
  unwired?(info: ContainerInfo, instances: LinkInstance[]): void
}

export const ALL_CONNECTED = 'All links connected'

/** How a start was seen: in the start-up listing (`known`, complete) or as an engine event. */
export interface StartSeen {
  known?: ContainerInfo
  event?: EngineEvent
}

const notInConfig = (info: ContainerInfo) => log.detail(`container ${info.name} is not in the config`)

export class NetworkEngine {
  readonly state: WiringState
  private readonly queue: KeyedQueue
  private readonly adds: Batcher<LinkInstance[], Error | undefined>
  private readonly deletes: Batcher<LinkInstance[], undefined>
  /** Which engine each wired container belongs to (for resynchronising one engine). */
  private readonly engineOf = new Map<string, ContainerEngine>()
  private pending = 0
  private stopping = false
  private listed = false
  /** `connected/total` of the last "Links connected" line, so that it is logged only on change. */
  private lastCount = ''

  constructor(private readonly opts: EngineOptions) {
    this.state = new WiringState(configuredLinkKeys(opts.config))
    this.queue = new KeyedQueue(opts.concurrency)
    const inFlight = opts.batchesInFlight ?? 2
    const links = opts.links ?? KERNEL_LINKS
    this.adds = new Batcher(async (groups) => {
      const results = await links.add(opts.ctx, groups)
      await this.tellHooks(groups, results)
      return groups.map((group) => (group.length ? results.get(group[0].container.id) : undefined))
    }, inFlight)
    this.deletes = new Batcher(async (groups) => {
      await links.delete(opts.ctx, groups)
      for (const group of groups) if (group.length) opts.hooks?.unwired?.(group[0].container, group)
      return groups.map(() => undefined)
    }, inFlight)
  }

  /** Queue the start of container `id` seen by `client`: in the start-up listing (`seen.known`) or its start event. */
  containerStarted(client: ContainerEngine, id: string, seen: StartSeen = {}): Promise<void> {
    return this.enqueue(id, () => this.wireContainer(client, id, seen))
  }

  containerDied(id: string): Promise<void> {
    return this.enqueue(id, () => this.unwireContainer(id))
  }

  /** After a lost event stream: wire what started meanwhile, unwire what died. Returns the running count. */
  async resync(client: ContainerEngine): Promise<number> {
    const running = await client.listRunning()
    const alive = new Set(running.map((info) => info.id))
    for (const [id, owner] of this.engineOf) if (owner === client && !alive.has(id)) void this.containerDied(id)
    await Promise.all(running.map((info) => this.containerStarted(client, info.id, { known: info })))
    return running.length
  }

  /** Wait for queued work, then remove every link this engine made. */
  async shutdown(): Promise<void> {
    this.stopping = true
    await this.queue.drain()
    const ids = [...this.state.containers.keys()]
    await Promise.all(ids.map((id) => this.unwireContainer(id)))
  }

  /** Everything that happens when a matching container starts. */
  private async wireContainer(client: ContainerEngine, id: string, { known, event }: StartSeen): Promise<void> {
    if (this.stopping) return
    const announced = announcedInfo(client.kind, id, event)
    if (announced && !matchContainer(this.opts.config, announced, this.opts.scope)) return notInConfig(announced)
    const begun = performance.now()
    const info = known ?? (await client.inspect(id, event))
    const inspected = performance.now()
    if (!info) return log.detail(`container ${id.slice(0, 12)} is gone before it could be wired`)
    const work = matchContainer(this.opts.config, info, this.opts.scope)
    if (!work) return notInConfig(info)
    const previous = this.state.containers.get(id)
    if (previous?.info.pid === info.pid && previous.status === 'connected') return
    if (previous) await this.unwireContainer(id)

    const instances = work.links.map((link) => instantiateLink(link, info))
    this.engineOf.set(id, client)
    this.state.set(id, { info, instances, status: 'pending' })
    const error = await this.adds.add(instances)
    this.state.set(id, { info, instances, status: error ? 'failed' : 'connected', reason: error && shortReason(describeError(error)) })
    if (error && !processAlive(info.pid))
      return log.warn(`container ${info.name} (pid ${info.pid}) died while its links were being created (${describeError(error)})`)
    if (error) return log.error(`${info.name}: ${describeError(error)}`)
    if (isVerbose()) {
      const took = (from: number, to: number) => (to - from).toFixed(1)
      log.detail(`Links of ${info.name} connected at ${preciseNow()} (inspect ${took(begun, inspected)} ms, links ${took(inspected, performance.now())} ms)`)
    }
    this.runCommands(client, info, work)
  }

  private async unwireContainer(id: string): Promise<void> {
    this.engineOf.delete(id)
    const wired = this.state.remove(id)
    // a failed container's links were already undone when its wiring failed
    if (!wired || wired.status === 'failed') return
    log.info(`Removing links of ${wired.info.name}`)
    await this.deletes.add(wired.instances)
  }

  /** After a batch of adds: each container's links exist (awaited: runtime overrides go back on) or failed. */
  private async tellHooks(groups: LinkInstance[][], results: Map<string, Error | undefined>): Promise<void> {
    const hooks = this.opts.hooks
    if (!hooks) return
    await Promise.all(
      groups.map(async (group) => {
        if (!group.length) return
        const error = results.get(group[0].container.id)
        if (error) hooks.failed?.(group[0].container, group, error)
        else await hooks.wired?.(group[0].container, group)
      }),
    )
  }

  /** Run `task` in the queue of container `id`, so it never overlaps that container's wiring. */
  runExclusive(id: string, task: () => Promise<void>): Promise<void> {
    return this.queue.push(id, task)
  }

  /** Commands run in parallel once the container's links exist; their lines are logged. */
  private runCommands(client: ContainerEngine, info: ContainerInfo, work: ContainerWork): void {
    for (const { command } of work.commands) {
      const shown = Array.isArray(command) ? JSON.stringify(command) : command
      log.info(`Running command in ${info.name}: ${shown}`)
      const onLine = (stream: 'stdout' | 'stderr', line: string) =>
        (stream === 'stderr' ? log.warn : log.info)(`${info.name}: ${line}`)
      client
        .exec(info.id, command, onLine)
        .then((code) => code !== 0 && log.warn(`command in ${info.name} exited with ${code}: ${shown}`))
        .catch((err) => log.error(`command in ${info.name} failed: ${describeError(err)}`))
    }
  }

  private async enqueue(id: string, task: () => Promise<void>): Promise<void> {
    this.pending++
    try {
      await this.queue.push(id, task)
    } catch (err) {
      log.error(describeError(err))
    } finally {
      this.pending--
      this.announceIfConnected()
    }
  }

  /** Called once the containers already running at start-up have been queued and handled. */
  startupComplete(): void {
    this.listed = true
    this.announceIfConnected()
  }

  /** When quiet: `All links connected` once everything exists, else a count and what is missing, on each change. */
  private announceIfConnected(): void {
    if (!this.listed || this.pending !== 0 || this.stopping) return
    if (this.state.shouldAnnounce()) log.info(ALL_CONNECTED)
    if (this.state.allConnected()) {
      this.lastCount = ''
      return
    }
    const summary = this.state.summary()
    const count = `${summary.connected}/${summary.total}`
    if (count === this.lastCount) return
    this.lastCount = count
    log.info(describeSummary(summary))
  }
}

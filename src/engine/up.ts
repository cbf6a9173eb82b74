// `conlink up` inside the network container: the start-up sequence of
// docs/architecture.md, then events until SIGINT/SIGTERM. Every kernel
// change made on the way is undone, in reverse, however the run ends.
import type { ConfigOptions, NetworkConfig } from '../config/types.js'
import { linksWithForwards, loadNetworkConfig } from '../config/index.js'
import { linkLabel } from '../config/label.js'
import { addressOfFamily } from '../config/address.js'
import { ConlinkError, describeError } from '../errors.js'
import { log, setLogBatching } from '../log.js'
import {
  createBridges,
  createTunnels,
  deleteBridges,
  deleteTunnels,
  describeCapabilities,
  probeCapabilities,
  renameDockerEth0,
  restoreDockerEth0,
  startOvsIfNeeded,
  type NetContext,
} from '../net/index.js'
import { connectEngines, type ConnectOptions, type ContainerEngine } from '../runtime/index.js'
import { ControlPlane, serveControl } from '../control/index.js'
import { NetworkEngine } from './engine.js'
import { EngineWatch } from './watch.js'
import type { MatchScope } from './match.js'

export interface UpOptions extends ConfigOptions {
  /** The process in the namespace of *vlan/*vtap parents (default 1, the host). */
  hostPid?: number
  composeProject?: string
  dockerSocket?: string
  podmanSocket?: string
  /** Containers handled at the same time. */
  concurrency: number
  /** The control API's Unix socket (`none`: no API). */
  controlSocket?: string
}

/** What a test may substitute: the engines, and where the kernel work happens. */
export interface UpDependencies {
  connectEngines?: (opts: ConnectOptions) => Promise<ContainerEngine[]>
  /** Merged into the NetContext (a test's stand-in network namespace: `conlinkPid`). */
  ctx?: Partial<NetContext>
}

/** `-v`: milliseconds since the process started, for start-up timing. */
const phase = (what: string) => log.detail(`start-up: ${what} at ${performance.now().toFixed(0)} ms`)

export async function runNetworkEngine(opts: UpOptions, deps: UpDependencies = {}): Promise<void> {
  setLogBatching(true)
  try {
    await runUntilStopped(opts, deps)
  } finally {
    setLogBatching(false)
  }
}

async function runUntilStopped(opts: UpOptions, deps: UpDependencies): Promise<void> {
  const stop = new StopSignal()
  const undo = new UndoStack()
  try {
    await startUp(opts, deps, stop, undo)
    const signal = await stop.received
    log.info(`Received ${signal}: removing links, tunnels and bridges`)
  } catch (err) {
    if (!(err instanceof StartupInterrupted)) throw err
    log.info(`Received ${err.signal} during start-up: removing what was made so far`)
  } finally {
    await undo.runAll()
    stop.dispose()
  }
  log.info('Stopped')
}

/** A promise awaited later: its rejection is handled there, not reported as unhandled meanwhile. */
function background<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined)
  return p
}

/** Everything up to "running containers handled"; each kernel change registers its undo as it succeeds. */
async function startUp(opts: UpOptions, deps: UpDependencies, stop: StopSignal, undo: UndoStack): Promise<void> {
  phase('engine module loaded')
  // the kernel probe (in a throwaway namespace) and the engine connections need no config: they run while it loads
  const probing = background(probeCapabilities())
  const connecting = background((deps.connectEngines ?? connectEngines)(opts))
  if (opts.configSchema) log.info(`Validating the config against conlink's schema and --config-schema ${opts.configSchema}`)
  const { config, warnings } = await loadNetworkConfig({ ...opts, strictOvs: true })
  warnings.forEach((w) => log.warn(w))
  phase('config loaded')
  const engines = await connecting
  phase('engines connected')
  // Events first, then one listing: a container that starts in between is in one or both, never missed.
  // The events wait for the engine (it needs the bridges); the listing and its inspects run meanwhile,
  // and each container listed is queued (once) as soon as it is inspected.
  let engineMade!: (engine: NetworkEngine) => void
  const madeEngine = new Promise<NetworkEngine>((resolve) => (engineMade = resolve))
  const watches = engines.map((client) => new EngineWatch(madeEngine, client))
  const stopWatching = async () => watches.forEach((watch) => watch.stop())
  undo.push(stopWatching)
  await Promise.all(watches.map((watch) => watch.start()))
  phase('events subscribed')
  const queued: Array<Promise<void>> = []
  const listings = engines.map((client) =>
    background(client.listRunning((info) => queued.push(madeEngine.then((engine) => engine.containerStarted(client, info.id, { known: info }))))))
  const [scope, capabilities] = await Promise.all([matchScope(engines, opts.composeProject), probing])
  log.info(`Kernel capabilities: ${describeCapabilities(capabilities)}`)
  phase('capabilities probed')
  stop.check()

  const ctx: NetContext = { bridges: config.bridges, capabilities, hostPid: opts.hostPid, ...deps.ctx }
  ctx.dockerEth0 = await prepareForwards(ctx, config)
  if (ctx.dockerEth0) undo.push(() => restoreDockerEth0(ctx))
  stop.check()
  const bridges = Object.values(config.bridges)
  await startOvsIfNeeded(ctx, bridges)
  await createBridges(ctx, bridges)
  undo.push(() => deleteBridges(ctx, bridges))
  stop.check()
  await createTunnels(ctx, config.tunnels)
  undo.push(() => deleteTunnels(ctx, config.tunnels))
  stop.check()
  phase('bridges created')

  const control = new ControlPlane(config, ctx)
  const engine = new NetworkEngine({ config, ctx, scope, concurrency: opts.concurrency, hooks: control.hooks })
  undo.push(() => engine.shutdown())
  const controlServer = await serveControl(control, engine, opts.controlSocket)
  if (controlServer) undo.push(() => controlServer.close())
  undo.push(stopWatching) // on the way out, events stop first (stopping twice is harmless)
  stop.check()
  engineMade(engine)
  for (const [i, running] of (await Promise.all(listings)).entries())
    log.detail(`${engines[i].kind}: ${running.length} running containers listed at ${performance.now().toFixed(0)} ms`)
  await Promise.all(queued)
  engine.startupComplete()
  phase('running containers handled')
}

/**
 * Service links apply to our own compose project unless --compose-project
 * says otherwise; a network container outside any project (`conlink up
 * --network-file` on a host) matches service links in every project, as
 * upstream does. Logged at start-up either way.
 */
export async function matchScope(engines: Pick<ContainerEngine, 'ownContainer'>[], composeProject?: string): Promise<MatchScope> {
  if (composeProject) {
    log.info(`Service links match containers of compose project ${composeProject} (--compose-project)`)
    return { project: composeProject }
  }
  for (const client of engines) {
    const own = await client.ownContainer()
    if (own?.project) {
      log.info(`Network container ${own.name} in compose project ${own.project}: service links match containers of that project`)
      return { project: own.project, workingDir: own.workingDir }
    }
  }
  log.info('The network container is not in a compose project: service links match containers of ANY compose project (use --compose-project NAME to limit them to one)')
  return {}
}

/** Forwards need the engine-provided eth0, renamed to DOCKER-ETH0 so links may be called eth0. */
async function prepareForwards(ctx: NetContext, config: NetworkConfig): Promise<NetContext['dockerEth0']> {
  const forwarded = linksWithForwards(config)
  if (forwarded.length === 0) return undefined
  const dockerEth0 = await renameDockerEth0(ctx)
  if (dockerEth0) {
    checkForwardFamilies(forwarded, dockerEth0)
    return dockerEth0
  }
  const first = forwarded[0]
  throw new ConlinkError('forward needs the network container to have an engine-provided eth0', {
    place: first.origin,
    hint: 'give the network service a network (not `network_mode: none`) and publish the ports there',
  })
}

/** Forwards are per family: say at start-up which IPv6 addresses cannot be forwarded (and refuse links left with none). */
export function checkForwardFamilies(forwarded: ReturnType<typeof linksWithForwards>, dockerEth0: NonNullable<NetContext['dockerEth0']>): void {
  const v6NotForwarded = dockerEth0.ip6 ? [] : forwarded.filter((l) => addressOfFamily(l.ip, 6))
  const v6Only = v6NotForwarded.find((l) => !addressOfFamily(l.ip, 4))
  if (v6Only)
    throw new ConlinkError(`forward is IPv4-only here: the network container has no usable IPv6 address on its engine network, and ${linkLabel(v6Only)} has only IPv6 addresses`, {
      place: { file: v6Only.origin.file, path: `${v6Only.origin.path}.forward` },
      hint: "enable IPv6 on the network container's network (compose: enable_ipv6: true and an IPv6 subnet), or add an IPv4 address to ip",
    })
  if (v6NotForwarded.length)
    log.warn(`forward is IPv4-only here: the network container has no IPv6 address on its engine network, so the IPv6 addresses of ${v6NotForwarded.map((l) => linkLabel(l)).join(', ')} are not forwarded`)
  const v4Only = dockerEth0.ip ? undefined : forwarded.find((l) => !addressOfFamily(l.ip, 6))
  if (v4Only)
    throw new ConlinkError(`forward: the network container's engine network has only IPv6, and ${linkLabel(v4Only)} has only IPv4 addresses`, {
      place: { file: v4Only.origin.file, path: `${v4Only.origin.path}.forward` },
      hint: "give the network container's network an IPv4 subnet, or add an IPv6 address to ip",
    })
}

class StartupInterrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`start-up interrupted by ${signal}`)
  }
}

/**
 * SIGINT/SIGTERM, caught from the first moment: during start-up a signal ends
 * it at the next step boundary (the step in flight finishes, so its undo is
 * known); afterwards it ends the run. Later signals are ignored while undoing.
 */
class StopSignal {
  readonly received: Promise<NodeJS.Signals>
  private signal: NodeJS.Signals | undefined
  private readonly onSignal: (signal: NodeJS.Signals) => void

  constructor() {
    let resolve!: (signal: NodeJS.Signals) => void
    this.received = new Promise((r) => (resolve = r))
    this.onSignal = (signal) => {
      if (this.signal) return log.info(`Received ${signal} again: still removing links, tunnels and bridges`)
      this.signal = signal
      resolve(signal)
    }
    process.on('SIGINT', this.onSignal)
    process.on('SIGTERM', this.onSignal)
  }

  /** Throws once a signal arrived, so that start-up goes no further. */
  check(): void {
    if (this.signal) throw new StartupInterrupted(this.signal)
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
  }
}

/** Undo steps run last-in first-out; a failing step is logged and the rest still run. */
class UndoStack {
  private readonly steps: Array<() => Promise<unknown>> = []

  push(step: () => Promise<unknown>): void {
    this.steps.push(step)
  }

  async runAll(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) {
      try {
        await step()
      } catch (err) {
        log.error(`cleanup: ${describeError(err)}`)
      }
    }
  }
}

// Host side of `conlink up`: start the network container, follow its log until
// Ctrl-C / SIGTERM or until it exits, then stop and remove it. And `conlink down`.
import { existsSync } from 'node:fs'
import { ConlinkError } from '../errors.js'
import { run } from '../exec.js'
import { log } from '../log.js'
import { buildRunArgs, configMounts, containerName, type LaunchMode, type RunArgsOptions } from './args.js'
import { quoteCommand } from './quote.js'
import { isRootless, rootlessDefaultNetwork, rootlessPodmanSocket, serviceFiles, stopPodmanService, type PodmanSocket } from './rootless.js'

export interface LaunchOptions extends RunArgsOptions {
  /** Return right after start, printing the container id. */
  detach?: boolean
  /** Print the command instead of running it. */
  dryRun?: boolean
  /** Seconds the inner conlink gets to remove its links on stop. */
  stopTimeout?: number
}

const DEFAULT_STOP_TIMEOUT = 30

/** Launch the network container; resolves to the exit code for the process. */
export async function launchNetworkContainer(opts: LaunchOptions): Promise<number> {
  const name = containerName(opts)
  const podman = await hostPodmanSocket(opts, name)
  const rootless = opts.rootless ?? isRootless(opts.mode)
  const network = opts.network ?? (rootless ? rootlessDefaultNetwork() : undefined)
  const argv = buildRunArgs({ ...opts, network, podmanSocket: podman?.socket ?? opts.podmanSocket })
  if (opts.dryRun) {
    if (podman?.serviceArgv) process.stdout.write(quoteCommand(podman.serviceArgv) + ' &\n')
    process.stdout.write(quoteCommand(argv) + '\n')
    return 0
  }
  checkConfigFiles(opts)
  log.detail(quoteCommand(argv))
  await podman?.start()
  let id: string
  try {
    id = await startContainer(opts.mode, argv, opts.image, name)
  } catch (err) {
    await podman?.stop()
    throw err
  }
  if (opts.detach) {
    process.stdout.write(id + '\n')
    return 0
  }
  log.info(`Started network container ${name} (${id.slice(0, 12)}); Ctrl-C stops it`)
  try {
    return await followUntilStopped(opts.mode, id, name, opts.stopTimeout ?? DEFAULT_STOP_TIMEOUT)
  } finally {
    await podman?.stop()
  }
}

/** Rootless Podman wiring Podman containers: the user's socket, or a temporary service for it. */
async function hostPodmanSocket(opts: LaunchOptions, name: string): Promise<PodmanSocket | undefined> {
  const rootless = opts.rootless ?? isRootless(opts.mode)
  if (!rootless || (opts.hostMode ?? opts.mode) !== 'podman' || opts.podmanSocket) return undefined
  return rootlessPodmanSocket(name)
}

function checkConfigFiles(opts: RunArgsOptions): void {
  const mounts = configMounts(opts)
  if (mounts.length === 0) {
    throw new ConlinkError('no config given', { hint: 'pass --network-file FILE and/or --compose-file FILE' })
  }
  for (const m of mounts) {
    if (!existsSync(m.hostPath)) throw new ConlinkError('config file not found', { place: { file: m.hostPath } })
  }
}

/**
 * `docker run -d`, after checking the image is present locally (so no pull is
 * ever attempted behind the user's back); a name conflict gets the fix.
 */
async function startContainer(mode: LaunchMode, argv: string[], image: string, name: string): Promise<string> {
  if ((await run([mode, 'image', 'inspect', image], { allowFailure: true })).exitCode !== 0) {
    throw new ConlinkError(`image ${image} is not in the local ${mode} image store`, {
      place: { file: mode },
      hint: `build it with \`npm run image\`, or \`${mode} pull ${image}\` first, or pass --image`,
    })
  }
  const result = await run(argv, { allowFailure: true })
  if (result.exitCode === 0) return result.stdout.trim().split('\n').pop() ?? ''
  const detail = result.stderr.trim() || result.stdout.trim()
  if (/already in use/i.test(detail)) {
    throw new ConlinkError(`a container named ${name} already exists`, {
      place: { file: mode },
      hint: `stop it with \`conlink down --name ${name}${mode === 'podman' ? ' --mode podman' : ''}\` or pick another --name`,
    })
  }
  throw new ConlinkError(`starting the network container failed: ${detail}`, { place: { file: mode } })
}

/**
 * Stream the container's log until it exits or we get SIGINT/SIGTERM, then stop
 * (letting conlink remove its links) and remove it. The helper processes run in
 * their own process group so that a terminal's Ctrl-C reaches only us.
 */
async function followUntilStopped(mode: LaunchMode, id: string, name: string, stopTimeout: number): Promise<number> {
  const stopLogs = new AbortController()
  const logs = run([mode, 'logs', '-f', id], { stdio: 'inherit', detached: true, allowFailure: true, signal: stopLogs.signal })
  const exited = run([mode, 'wait', id], { detached: true, allowFailure: true }).then((r) => Number.parseInt(r.stdout.trim(), 10))
  const { promise: signalled, dispose } = nextSignal()
  try {
    const first = await Promise.race([exited.then(() => undefined), signalled])
    if (first) {
      log.info(`Received ${first}: stopping network container ${name}`)
      await run([mode, 'stop', '-t', String(stopTimeout), id], { allowFailure: true })
    }
    const code = await exited
    await logs
    return Number.isNaN(code) ? 1 : code
  } finally {
    dispose()
    stopLogs.abort()
    await run([mode, 'rm', '-f', id], { allowFailure: true })
  }
}

function nextSignal(): { promise: Promise<NodeJS.Signals>; dispose: () => void } {
  let onSignal: (s: NodeJS.Signals) => void = () => undefined
  const promise = new Promise<NodeJS.Signals>((resolve) => (onSignal = resolve))
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  const dispose = () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
  return { promise, dispose }
}

export interface DownOptions {
  name: string
  mode: LaunchMode
  stopTimeout?: number
}

/** `conlink down`: stop (so conlink removes its links) and remove the network container. */
export async function stopNetworkContainer(opts: DownOptions): Promise<void> {
  try {
    await stopAndRemove(opts)
  } finally {
    // a temporary Podman service started for it by a detached rootless `conlink up`
    if (isRootless(opts.mode)) await stopPodmanService(serviceFiles(opts.name))
  }
}

async function stopAndRemove(opts: DownOptions): Promise<void> {
  const timeout = String(opts.stopTimeout ?? DEFAULT_STOP_TIMEOUT)
  const stopped = await run([opts.mode, 'stop', '-t', timeout, opts.name], { allowFailure: true })
  if (stopped.exitCode !== 0) {
    const detail = stopped.stderr.trim()
    if (/no such container|no container with name or id/i.test(detail)) {
      const other = opts.mode === 'docker' ? 'podman' : 'docker'
      throw new ConlinkError(`no container named ${opts.name}`, {
        place: { file: opts.mode },
        hint: `check the name (--name), or whether it runs under ${other} (--mode ${other})`,
      })
    }
    throw new ConlinkError(`stopping ${opts.name} failed: ${detail}`, { place: { file: opts.mode } })
  }
  await run([opts.mode, 'rm', '-f', opts.name], { allowFailure: true })
  log.info(`Stopped and removed ${opts.name}`)
}

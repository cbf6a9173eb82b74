// The `docker run` / `podman run` command line that launches the network
// container on a host: the capabilities of docs/security.md, pid host, the engine sockets, plus the
// config files mounted read-only and handed to the inner `conlink up --inside`.
import { basename, resolve } from 'node:path'
import type { ConfigOptions } from '../config/types.js'
import { DEFAULT_MTU, splitFileList } from '../config/index.js'
import { DEFAULT_DOCKER_SOCKET, DEFAULT_PODMAN_SOCKET } from '../runtime/connect.js'
import { DEFAULT_CONTROL_SOCKET } from '../control/server.js'
import { ROOTLESS_NETWORK, isRootless } from './rootless.js'

/** The engine that runs the network container. */
export type LaunchMode = 'docker' | 'podman'
/** The engine whose containers the network container wires (its socket is mounted), or none. */
export type HostMode = LaunchMode | 'none'

/**
 * SYS_PTRACE: opening another container's /proc/<pid>/ns/net is refused when
 * that container holds a capability the network container lacks (e.g. NET_RAW,
 * which Podman does not grant by default but a pinging container adds).
 */
export const NETWORK_CONTAINER_CAPS = ['SYS_ADMIN', 'NET_ADMIN', 'SYS_NICE', 'NET_BROADCAST', 'IPC_LOCK', 'SYS_PTRACE'] as const
/** Where config files appear inside the network container. */
export const CONFIG_DIR = '/conlink/config'
/** Marks containers started by the launcher (for `docker ps --filter label=...`). */
export const LAUNCHER_LABEL = 'conlink.role=network-container'

export interface RunArgsOptions extends ConfigOptions {
  mode: LaunchMode
  /** Default: the same as mode. */
  hostMode?: HostMode
  image: string
  name: string
  /** A network for the network container (forwards need one); default `none`. */
  network?: string
  composeProject?: string
  verbose?: boolean
  /** `docker run` options given after `--`, placed before the image. */
  extraRunArgs?: string[]
  /** Host socket paths mounted for host-mode docker/podman (at the default paths inside). */
  dockerSocket?: string
  podmanSocket?: string
  /** The control API socket inside the network container (`none`: no API). */
  controlSocket?: string
  /** Use --privileged instead of the capabilities (rootless engines). Default: not root. */
  privileged?: boolean
  /** Rootless Podman: the network container gets the user's slirp4netns network unless `network` is given. Default: podman and not root. */
  rootless?: boolean
  /** Passed on as `--host-pid` (the namespace of *vlan/*vtap parents) unless 1. */
  hostPid?: number
  /** Relative config paths resolve against this (default: process.cwd()). */
  cwd?: string
}

export interface ConfigMount {
  hostPath: string
  containerPath: string
  flag: '--compose-file' | '--network-file'
}

/** Each config file (colon lists split) with its absolute host path and fixed path inside. */
export function configMounts(opts: Pick<RunArgsOptions, 'composeFiles' | 'networkFiles' | 'cwd'>): ConfigMount[] {
  const files = [
    ...splitFileList(opts.composeFiles).map((f) => ({ f, flag: '--compose-file' as const })),
    ...splitFileList(opts.networkFiles).map((f) => ({ f, flag: '--network-file' as const })),
  ]
  return files.map(({ f, flag }, i) => ({
    hostPath: resolve(opts.cwd ?? process.cwd(), f),
    containerPath: `${CONFIG_DIR}/${i + 1}-${basename(f)}`,
    flag,
  }))
}

/** The full argv, engine program first: `docker run -d ... IMAGE conlink up ... --inside`. */
export function buildRunArgs(opts: RunArgsOptions): string[] {
  const mounts = configMounts(opts)
  const extra = opts.extraRunArgs ?? []
  const args: string[] = [opts.mode, 'run', '-d']
  if (!hasOption(extra, '--name')) args.push('--name', opts.name)
  args.push('--label', LAUNCHER_LABEL)
  args.push(...engineAccess(opts))
  const rootless = opts.rootless ?? isRootless(opts.mode)
  args.push('--network', opts.network ?? (rootless ? ROOTLESS_NETWORK : 'none'))
  if (opts.privileged ?? process.getuid?.() !== 0) args.push('--privileged')
  else for (const cap of NETWORK_CONTAINER_CAPS) args.push('--cap-add', cap)
  args.push('--security-opt', 'apparmor=unconfined')
  for (const m of mounts) args.push('-v', `${m.hostPath}:${m.containerPath}:ro`)
  const schema = schemaMount(opts)
  if (schema) args.push('-v', `${schema.hostPath}:${schema.containerPath}:ro`)
  args.push(...extra, opts.image)
  return [...args, ...innerUpArgs(opts, mounts)]
}

/** pid host and the engine socket: what lets the network container reach other containers. */
function engineAccess(opts: RunArgsOptions): string[] {
  const hostMode = opts.hostMode ?? opts.mode
  if (hostMode === 'none') return []
  const [host, inside] =
    hostMode === 'docker'
      ? [opts.dockerSocket ?? DEFAULT_DOCKER_SOCKET, DEFAULT_DOCKER_SOCKET]
      : [opts.podmanSocket ?? DEFAULT_PODMAN_SOCKET, DEFAULT_PODMAN_SOCKET]
  return ['--pid', 'host', '-v', `${host}:${inside}`]
}

/** The inner `conlink up`: same config (at the mounted paths) and pass-through flags. */
function innerUpArgs(opts: RunArgsOptions, mounts: ConfigMount[]): string[] {
  const args = ['conlink', 'up']
  if (opts.verbose) args.push('-v')
  for (const m of mounts) args.push(m.flag, m.containerPath)
  if (opts.composeProject) args.push('--compose-project', opts.composeProject)
  if (opts.hostPid !== undefined && opts.hostPid !== 1) args.push('--host-pid', String(opts.hostPid))
  if (opts.defaultBridgeMode !== 'auto') args.push('--default-bridge-mode', opts.defaultBridgeMode)
  if (opts.defaultMtu !== DEFAULT_MTU) args.push('--default-mtu', String(opts.defaultMtu))
  if (opts.keepVethOffload) args.push('--keep-veth-offload')
  if (opts.controlSocket && opts.controlSocket !== DEFAULT_CONTROL_SOCKET) args.push('--control-socket', opts.controlSocket)
  const schema = schemaMount(opts)
  if (schema) args.push('--config-schema', schema.containerPath)
  args.push('--inside')
  return args
}

/** Upstream's --config-schema file, mounted beside the config files. */
function schemaMount(opts: RunArgsOptions): { hostPath: string; containerPath: string } | undefined {
  if (!opts.configSchema) return undefined
  return { hostPath: resolve(opts.cwd ?? process.cwd(), opts.configSchema), containerPath: `${CONFIG_DIR}/schema-${basename(opts.configSchema)}` }
}

/** True if argv sets `--opt VALUE` or `--opt=VALUE`. */
function hasOption(argv: readonly string[], opt: string): boolean {
  return argv.some((a) => a === opt || a.startsWith(`${opt}=`))
}

/** The container name the run args give (an extra `--name` wins). */
export function containerName(opts: Pick<RunArgsOptions, 'name' | 'extraRunArgs'>): string {
  const extra = opts.extraRunArgs ?? []
  for (let i = extra.length - 1; i >= 0; i--) {
    if (extra[i] === '--name' && i + 1 < extra.length) return extra[i + 1]
    if (extra[i].startsWith('--name=')) return extra[i].slice('--name='.length)
  }
  return opts.name
}

// What every control command shares: the flags that find the network
// container, and the choice between talking to the socket (inside the
// network container) and running the same command there (on a host).
import { existsSync } from 'node:fs'
import type { Writable } from 'node:stream'
import { Flags, type Interfaces } from '@oclif/core'
import { ConlinkCommand } from '../cli.js'
import { isInsideContainer } from '../runtime/inside.js'
import { ControlClient } from './client.js'
import { DEFAULT_CONTROL_SOCKET } from './server.js'

// Kept here (not imported from runtime/ or host.ts) so that loading a command does not load dockerode.
const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock'
const DEFAULT_PODMAN_SOCKET = '/var/run/podman/podman.sock'
/** Set in the inner command's environment by the host form (host.ts). */
const INSIDE_ENV = 'CONLINK_CONTROL_INSIDE'

export const controlFlags = {
  project: Flags.string({ char: 'p', description: 'host: compose project of the network container (default: $COMPOSE_PROJECT_NAME, else the current directory name)' }),
  service: Flags.string({ description: 'host: compose service of the network container', default: 'network' }),
  container: Flags.string({ description: 'host: the network container by name (instead of --project/--service)' }),
  'control-socket': Flags.string({ description: 'the control API socket inside the network container', default: DEFAULT_CONTROL_SOCKET }),
  'docker-socket': Flags.string({ description: 'host: Docker API socket', default: DEFAULT_DOCKER_SOCKET }),
  'podman-socket': Flags.string({ description: 'host: Podman API socket', default: DEFAULT_PODMAN_SOCKET }),
}

/** Flags that only choose the network container: not passed on to the command run inside it. */
const HOST_ONLY = new Set(['project', 'service', 'container', 'docker-socket', 'podman-socket'])

export interface ControlFlags {
  project?: string
  service: string
  container?: string
  'control-socket': string
  'docker-socket': string
  'podman-socket': string
  verbose: boolean
}

/** Inside: the network container itself (asked by the host form, or the socket is here). Host: anywhere else. */
export function runsInside(flags: ControlFlags, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env[INSIDE_ENV] === '1') return true
  if (flags.project !== undefined || flags.container !== undefined) return false
  return existsSync(flags['control-socket']) || isInsideContainer()
}

type FlagDefs = Record<string, Interfaces.Flag<unknown>>

/** The command line for the inner run: same command, same flags (without the host-only ones), same arguments. */
export function innerArgv(commandId: string, defs: FlagDefs, flags: Record<string, unknown>, args: string[], rest?: string[]): string[] {
  const out = commandId.split(':')
  for (const [name, value] of Object.entries(flags)) {
    const def = defs[name]
    if (!def || HOST_ONLY.has(name) || value === undefined) continue
    if (def.type === 'boolean') {
      if (value === true) out.push(`--${name}`)
      else if ((def as { allowNo?: boolean }).allowNo) out.push(`--no-${name}`)
      continue
    }
    for (const v of Array.isArray(value) ? value : [value]) out.push(`--${name}`, String(v))
  }
  out.push(...args)
  if (rest?.length) out.push('--', ...rest)
  return out
}

export abstract class ControlCommand extends ConlinkCommand {
  static baseFlags = { ...ConlinkCommand.baseFlags, ...controlFlags }
  private stdinWatched = false

  /**
   * The API client when running inside the network container; on a host,
   * runs the command there (exit code set) and returns undefined.
   */
  protected async client(
    flags: ControlFlags & Record<string, unknown>,
    args: string[],
    opts: { rest?: string[]; flags?: Record<string, unknown>; stdout?: Writable } = {},
  ): Promise<ControlClient | undefined> {
    if (runsInside(flags)) {
      this.endWithStdin()
      return new ControlClient(flags['control-socket'])
    }
    const { findNetworkContainerOf, runInNetworkContainer } = await import('./host.js')
    const target = await findNetworkContainerOf(flags)
    const ctor = this.constructor as unknown as { flags?: FlagDefs; baseFlags?: FlagDefs }
    const defs = { ...ctor.baseFlags, ...ctor.flags }
    const argv = innerArgv(this.id ?? '', defs, { ...flags, ...opts.flags }, args, opts.rest)
    process.exitCode = await runInNetworkContainer(target, argv, opts.stdout ?? process.stdout, process.stderr)
    return undefined
  }

  /** Run by the host form: its stdin closing (Ctrl-C there) ends this command. */
  private endWithStdin(): void {
    if (process.env[INSIDE_ENV] !== '1' || process.stdin.isTTY) return
    this.stdinWatched = true
    process.stdin.on('end', () => process.exit(130))
    process.stdin.resume()
  }

  protected async finally(err: Error | undefined): Promise<unknown> {
    if (this.stdinWatched) process.stdin.destroy()
    return super.finally(err)
  }
}

/** oclif strips `--`: the words after it (a capture filter) come from the raw argv. */
export function wordsAfterDashes(raw: string[]): string[] {
  const i = raw.indexOf('--')
  return i >= 0 ? raw.slice(i + 1) : []
}

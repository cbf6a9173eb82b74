// The host form of the control commands: find the network container (by
// compose project + service, or by name) on Docker or Podman, and run the
// same command inside it through the engine's exec API. Nothing is
// published: the control socket never leaves that container. The inner
// command stops when our side of the exec's stdin closes (Ctrl-C here).
import { basename } from 'node:path'
import { PassThrough, type Writable } from 'node:stream'
import type Docker from 'dockerode'
import { loadDockerode } from '../runtime/dockerode.js'
import { ConlinkError, describeError } from '../errors.js'
import { log } from '../log.js'
import { DEFAULT_DOCKER_SOCKET, DEFAULT_PODMAN_SOCKET } from '../runtime/index.js'
import { existsSync } from 'node:fs'

/** Set in the inner command's environment: talk to the socket here, never look for a container. */
export const INSIDE_ENV = 'CONLINK_CONTROL_INSIDE'

export interface FindOptions {
  project?: string
  service: string
  container?: string
  dockerSocket?: string
  podmanSocket?: string
}

export interface NetworkContainer {
  docker: Docker
  engine: string
  id: string
  name: string
}

/** The project name compose uses when none is given: lower case, only [a-z0-9_-]. */
export function defaultProject(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return env.COMPOSE_PROJECT_NAME || basename(cwd).toLowerCase().replace(/[^a-z0-9_-]/g, '')
}

async function engines(opts: FindOptions): Promise<Array<{ docker: Docker; engine: string }>> {
  const paths = [...new Set([opts.dockerSocket ?? DEFAULT_DOCKER_SOCKET, opts.podmanSocket ?? DEFAULT_PODMAN_SOCKET])]
  const Dockerode = await loadDockerode()
  const found = await Promise.all(
    paths.filter((p) => existsSync(p)).map(async (socketPath) => {
      const docker = new Dockerode({ socketPath })
      try {
        await docker.ping()
        return { docker, engine: socketPath }
      } catch (err) {
        log.detail(`${socketPath} does not answer: ${describeError(err)}`)
        return undefined
      }
    }),
  )
  return found.filter((e): e is { docker: Docker; engine: string } => e !== undefined)
}

/** The host-form flags every control command shares. */
export interface HostFlags {
  project?: string
  service: string
  container?: string
  'docker-socket'?: string
  'podman-socket'?: string
}

/** The network container the host-form flags name (`--container`, else the project's service). */
export function findNetworkContainerOf(flags: HostFlags): Promise<NetworkContainer> {
  return findNetworkContainer({
    project: flags.container ? undefined : (flags.project ?? defaultProject()),
    service: flags.service,
    container: flags.container,
    dockerSocket: flags['docker-socket'],
    podmanSocket: flags['podman-socket'],
  })
}

export async function findNetworkContainer(opts: FindOptions): Promise<NetworkContainer> {
  const list = await engines(opts)
  const what = opts.container ? `container ${opts.container}` : `service ${opts.service} of compose project ${opts.project}`
  if (!list.length)
    throw new ConlinkError(`cannot look for the network container (${what}): no container engine answers`, {
      hint: `start Docker or Podman, or pass --docker-socket/--podman-socket (tried ${DEFAULT_DOCKER_SOCKET}, ${DEFAULT_PODMAN_SOCKET})`,
    })
  for (const { docker, engine } of list) {
    if (opts.container) {
      const data = await docker.getContainer(opts.container).inspect().catch(() => undefined)
      if (data?.State?.Running) return { docker, engine, id: data.Id, name: data.Name.replace(/^\//, '') }
      continue
    }
    const labels = [`com.docker.compose.project=${opts.project}`, `com.docker.compose.service=${opts.service}`]
    const running = await docker.listContainers({ filters: { label: labels, status: ['running'] } })
    running.sort((a, b) => Number(a.Labels['com.docker.compose.container-number'] ?? 1) - Number(b.Labels['com.docker.compose.container-number'] ?? 1))
    if (running[0]) return { docker, engine, id: running[0].Id, name: (running[0].Names?.[0] ?? running[0].Id).replace(/^\//, '') }
  }
  throw new ConlinkError(`no network container found: no running ${what}`, {
    hint: 'start it (docker compose up -d), or say which one with -p PROJECT, --service NAME or --container NAME',
  })
}

/** An old conlink (or none) in the container: oclif says `command X not found`, the runtime `executable file not found`. */
function olderVersion(target: NetworkContainer, stderr: string): ConlinkError | undefined {
  if (!/command .* not found|executable file not found/i.test(stderr)) return undefined
  return new ConlinkError(`the network container ${target.name} has no conlink control commands (${stderr.trim().split('\n').pop()})`, {
    hint: 'it runs a conlink from before the control API, or no conlink at all: recreate it from a current conlink image',
  })
}

/**
 * Run `conlink ARGV` in the network container with its output on ours; resolves
 * to its exit code. stdin stays open until we stop: closing it tells the
 * inner command to end (Ctrl-C, SIGTERM).
 */
export async function runInNetworkContainer(
  target: NetworkContainer,
  argv: string[],
  stdout: Writable,
  stderr: Writable,
  opts: { stopOnSignals?: boolean; stop?: AbortSignal } = {},
): Promise<number> {
  const container = target.docker.getContainer(target.id)
  let exec: Docker.Exec
  let stream: NodeJS.ReadWriteStream
  try {
    exec = await container.exec({ Cmd: ['conlink', ...argv], Env: [`${INSIDE_ENV}=1`], AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false })
    stream = (await exec.start({ hijack: true, stdin: true })) as NodeJS.ReadWriteStream
  } catch (err) {
    throw olderVersion(target, describeError(err)) ?? new ConlinkError(`cannot run conlink in ${target.name}: ${describeError(err)}`)
  }
  let errText = ''
  const errTail = new PassThrough()
  errTail.on('data', (b: Buffer) => {
    errText = (errText + b.toString()).slice(-2048)
    stderr.write(b)
  })
  target.docker.modem.demuxStream(stream, stdout, errTail)
  const stop = () => stream.end()
  if (opts.stopOnSignals !== false) {
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  }
  opts.stop?.addEventListener('abort', stop)
  try {
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve)
      stream.on('close', resolve)
      stream.on('error', reject)
    })
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
  }
  const code = await exitCodeOf(exec)
  if (code !== 0) {
    // 126/127: the runtime found no `conlink` program to run in that container
    const old = olderVersion(target, code === 126 || code === 127 ? `${errText}\nexit code ${code}: executable file not found` : errText)
    if (old) throw old
  }
  return code
}

async function exitCodeOf(exec: Docker.Exec): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const info = await exec.inspect()
    if ((!info.Running && info.ExitCode !== null) || attempt >= 50) return info.ExitCode ?? 1
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Run `conlink ARGV` in the network container and collect its output (for the web server). */
export async function collectInNetworkContainer(target: NetworkContainer, argv: string[], stop?: AbortSignal): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough()
  const err = new PassThrough()
  const chunks: [Buffer[], Buffer[]] = [[], []]
  out.on('data', (b: Buffer) => chunks[0].push(b))
  err.on('data', (b: Buffer) => chunks[1].push(b))
  const code = await runInNetworkContainer(target, argv, out, err, { stopOnSignals: false, stop })
  return { code, stdout: Buffer.concat(chunks[0]).toString('utf8'), stderr: Buffer.concat(chunks[1]).toString('utf8') }
}

// Connect to every engine that answers: Docker and/or Podman.
import { existsSync } from 'node:fs'
import type Docker from 'dockerode'
import { ConlinkError, describeError } from '../errors.js'
import { log } from '../log.js'
import { EngineClient, type EngineKind } from './client.js'
import { loadDockerode } from './dockerode.js'

export const DEFAULT_DOCKER_SOCKET = '/var/run/docker.sock'
export const DEFAULT_PODMAN_SOCKET = '/var/run/podman/podman.sock'
const PING_TIMEOUT_MS = 2000

export interface ConnectOptions {
  dockerSocket?: string
  podmanSocket?: string
}

/**
 * A client per answering socket. A missing socket file is skipped quietly,
 * one that exists but does not answer is a warning, none answering is an
 * error. The kind comes from the engine's version reply, not the path (a
 * Podman socket is often mounted at /var/run/docker.sock); two sockets
 * reaching the same kind of engine are used once.
 */
export async function connectEngines(opts: ConnectOptions = {}): Promise<EngineClient[]> {
  const paths = [...new Set([opts.dockerSocket ?? DEFAULT_DOCKER_SOCKET, opts.podmanSocket ?? DEFAULT_PODMAN_SOCKET])]
  const found = await Promise.all(paths.map((path) => (existsSync(path) ? connectSocket(path) : undefined)))
  const clients: EngineClient[] = []
  for (const client of found) {
    if (!client) continue
    if (clients.some((c) => c.kind === client.kind)) {
      log.detail(`${client.socketPath} reaches the same ${client.kind} engine as another socket: ignored`)
      continue
    }
    log.detail(`Connected to ${client.kind} at ${client.socketPath}`)
    clients.push(client)
  }
  if (clients.length > 0) return clients
  throw new ConlinkError(`no container engine answers at ${paths.join(' or ')}`, {
    hint:
      'mount /var/run/docker.sock (or the Podman socket /var/run/podman/podman.sock) into the network container, ' +
      'or pass --docker-socket/--podman-socket; for Podman start `podman system service --time=0 unix:///var/run/podman/podman.sock`',
  })
}

interface TimedCalls {
  version(opts: { abortSignal: AbortSignal }): Promise<Docker.DockerVersion>
}

async function connectSocket(socketPath: string): Promise<EngineClient | undefined> {
  const Dockerode = await loadDockerode()
  const docker = new Dockerode({ socketPath })
  // dockerode accepts abortSignal here; its type definitions do not say so.
  const timed = docker as unknown as TimedCalls
  try {
    // the version reply is the liveness check too: one round trip, not a ping and then a version
    const version = await timed.version({ abortSignal: AbortSignal.timeout(PING_TIMEOUT_MS) })
    return new EngineClient(engineKind(version), socketPath, docker)
  } catch (err) {
    log.warn(`container engine socket ${socketPath} does not answer: ${describeError(err)}`)
    return undefined
  }
}

function engineKind(version: Docker.DockerVersion): EngineKind {
  const components = (version as { Components?: Array<{ Name?: string }> }).Components ?? []
  return components.some((c) => /podman/i.test(c.Name ?? '')) ? 'podman' : 'docker'
}

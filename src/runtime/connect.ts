// Connect to every engine that answers: Docker and/or Podman.
import { existsSync } from 'node:fs'
import { request } from 'node:http'
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
 * error. The kind comes from the engine's ping reply, not the path (a
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

async function connectSocket(socketPath: string): Promise<EngineClient | undefined> {
  try {
    const [kind, Dockerode] = await Promise.all([pingForKind(socketPath), loadDockerode()])
    return new EngineClient(kind, socketPath, new Dockerode({ socketPath }))
  } catch (err) {
    log.warn(`container engine socket ${socketPath} does not answer: ${describeError(err)}`)
    return undefined
  }
}

/**
 * The engine's kind from its `/_ping` reply: Podman's carries Libpod-Api-Version.
 * Not the version call: to answer it dockerd runs `runc --version` and
 * `docker-init --version` (10-40 ms), Podman conmon and more (0.5 s).
 */
function pingForKind(socketPath: string): Promise<EngineKind> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: '/_ping', agent: false, signal: AbortSignal.timeout(PING_TIMEOUT_MS) }, (res) => {
      res.resume()
      if (res.statusCode !== 200) return reject(new Error(`/_ping answered HTTP ${res.statusCode}`))
      resolve(res.headers['libpod-api-version'] !== undefined || /^libpod\//i.test(String(res.headers.server)) ? 'podman' : 'docker')
    })
    req.on('error', reject)
    req.end()
  })
}

// Shared by the reliability e2e tests (issue 7): compose projects written
// into temporary directories, namespace listings taken from the host, the
// network container's RSS, log problems, and a cuttable Docker socket proxy.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { run } from '../../src/exec.js'
import { ComposeProject, containerPid, linkNames, waitUntil, withLogs } from './compose.js'

export const DOCKER_SOCKET = '/var/run/docker.sock'

/** A node that waits for eth0 and exits at once on SIGTERM (so scaling down takes no stop timeout). */
export const NODE_COMMAND = `["sh", "-c", "trap 'exit 0' TERM; while ! ip link show eth0 >/dev/null 2>&1; do sleep 0.1; done; sleep 864000 & wait"]`

/** The network service (conlink up on this project's compose file); `extra` lines go under it. */
export function networkService(opts: { socket?: string; networkMode?: string; extra?: string[] } = {}): string {
  return [
    '  network:',
    '    image: conlink:latest',
    '    pid: host',
    `    network_mode: "${opts.networkMode ?? 'none'}"`,
    '    cap_add: [SYS_ADMIN, NET_ADMIN, SYS_NICE, NET_BROADCAST, IPC_LOCK]',
    '    security_opt: [apparmor:unconfined]',
    '    volumes:',
    `      - ${opts.socket ?? DOCKER_SOCKET}:/var/run/docker.sock`,
    '      - ./:/test:ro',
    '    command: conlink up --compose-file /test/compose.yaml',
    ...(opts.extra ?? []),
  ].join('\n')
}

/**
 * `up` arguments that scale one service (add `node=N`, then the service) and
 * touch nothing else: the network container is never recreated, not even
 * when conlink:latest was rebuilt meanwhile (other work shares this engine).
 */
export const SCALE = ['up', '-d', '--no-deps', '--no-recreate', '-t', '5', '--scale']

/** A scalable `node` service: replica i gets 10.0.1.i/16 on bridge s1 (outer end node_<i>-eth0). */
export function nodeService(scale: number): string {
  return [
    '  node:',
    '    image: conlink-test-node',
    '    network_mode: none',
    '    cap_add: [NET_ADMIN]',
    `    scale: ${scale}`,
    `    command: ${NODE_COMMAND}`,
    '    x-network:',
    '      links:',
    '        - {bridge: s1, ip: 10.0.1.1/16}',
  ].join('\n')
}

/** A compose project whose file (compose.yaml, version 2.4) lives in a new temporary directory. */
export class TempProject extends ComposeProject {
  constructor(
    name: string,
    readonly dir: string,
    services: string[],
    top = '',
  ) {
    writeFileSync(join(dir, 'compose.yaml'), `version: "2.4"\n${top}services:\n${services.join('\n\n')}\n`)
    super(name, join(dir, 'compose.yaml'))
  }

  /** `down`, then remove the directory. */
  async destroy(): Promise<void> {
    await this.down()
    rmSync(this.dir, { recursive: true, force: true })
  }

  async networkPid(): Promise<number> {
    return containerPid(await this.id('network'))
  }

  /** Replica indexes of the running containers of `service`, sorted. */
  async runningIndexes(service: string): Promise<number[]> {
    const filters = [`com.docker.compose.project=${this.name}`, `com.docker.compose.service=${service}`]
    const args = ['docker', 'ps', ...filters.flatMap((f) => ['--filter', `label=${f}`]), '--format', '{{.Label "com.docker.compose.container-number"}}']
    return (await run(args)).stdout.split('\n').filter(Boolean).map(Number).sort((a, b) => a - b)
  }

  /** What the network container's namespace must hold: lo, bridge s1 and node_<i>-eth0 per running node. */
  async expectedNetworkLinks(): Promise<string[]> {
    return sorted(['lo', 's1', ...(await this.runningIndexes('node')).map((i) => `node_${i}-eth0`)])
  }

  /** Poll until the network container's interfaces are exactly the expected ones; returns them. */
  async waitForNetworkLinks(ms = 30_000): Promise<string[]> {
    let last: { have: string[]; want: string[] } = { have: [], want: [] }
    try {
      return await waitUntil('the network container interfaces', ms, async () => {
        last = { have: sorted(await this.networkLinks()), want: await this.expectedNetworkLinks() }
        return sameList(last.have, last.want) && last.have
      }, 200)
    } catch {
      throw new Error(`network container interfaces never matched the running nodes:\n  have ${last.have.join(' ')}\n  want ${last.want.join(' ')}`)
    }
  }
}

/** Bridge s1 is a Linux bridge (no "auto" fallback warning on kernels without openvswitch). */
export const LINUX_S1 = 'x-network:\n  bridges:\n    - {bridge: s1, mode: linux}\n'

/** A TempProject in a fresh directory `h8-<name>-*`. */
export function tempProject(name: string, services: (dir: string) => string[], top = LINUX_S1): TempProject {
  const dir = mkdtempSync(join(tmpdir(), `h8-${name}-`))
  return new TempProject(name, dir, services(dir), top)
}

export const sorted = (list: string[]): string[] => [...list].sort()
export const sameList = (a: string[], b: string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i])

/** Interfaces of each running replica of `service` that are not exactly lo + eth0, as `index: names`. */
export async function replicasNotLoEth0(p: TempProject, service: string): Promise<string[]> {
  const ids = await p.ids(service)
  const bad = await Promise.all(
    ids.map(async (id) => {
      const names = sorted(await linkNames(await containerPid(id)))
      return sameList(names, ['eth0', 'lo']) ? undefined : `${id.slice(0, 12)}: ${names.join(' ')}`
    }),
  )
  return bad.filter((b): b is string => b !== undefined)
}

/** Resident memory of a process in kB (/proc/<pid>/status VmRSS). */
export function rssKb(pid: number): number {
  if (!existsSync(`/proc/${pid}/status`)) throw new Error(`process ${pid} is gone (did the network container restart?)`)
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  if (!m) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(m[1])
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/** WARNING/ERROR lines of a log that match none of the allowed patterns. */
export function unexpectedProblems(log: string, allowed: RegExp[] = []): string[] {
  return log
    .split('\n')
    .filter((line) => /^(WARNING|ERROR)\b/.test(line) || /Error|already exists|exception/i.test(line))
    .filter((line) => !allowed.some((re) => re.test(line)))
}

/** Run `fn` printing the project's network log when it fails; logs the time taken. */
export async function timed<T>(p: ComposeProject, what: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now()
  try {
    return await withLogs(() => p.logs(), fn)
  } finally {
    console.log(`# [h8] ${what}: ${((Date.now() - start) / 1000).toFixed(1)} s`)
  }
}

/**
 * A Unix-socket proxy in front of the Docker socket: each accepted connection
 * is piped byte for byte to a new connection to the engine (enough for
 * streaming and hijacked HTTP). `cut()` destroys every connection and, until
 * `restore()`, every new one at once; the listening socket (its inode, which a
 * container may have bind-mounted) stays.
 */
export class SocketProxy {
  readonly path: string
  private readonly server: Server
  private readonly open = new Set<Socket>()
  private cutting = false
  /** Connections refused while cut. */
  refused = 0

  constructor(dir: string, private readonly target = DOCKER_SOCKET) {
    this.path = join(dir, 'docker.sock')
    this.server = createServer((client) => this.accept(client))
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.path, () => resolve())
    })
  }

  private accept(client: Socket): void {
    if (this.cutting) {
      this.refused++
      client.destroy()
      return
    }
    const upstream = createConnection(this.target)
    for (const s of [client, upstream]) {
      this.open.add(s)
      s.on('close', () => this.open.delete(s))
      s.on('error', () => undefined)
    }
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    client.pipe(upstream)
    upstream.pipe(client)
  }

  /** Break every connection now and refuse new ones. */
  cut(): void {
    this.cutting = true
    for (const s of this.open) s.destroy()
  }

  restore(): void {
    this.cutting = false
  }

  async close(): Promise<void> {
    this.cut()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

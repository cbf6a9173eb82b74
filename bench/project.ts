// The benchmark's compose project against the real Docker engine: replicas of
// `node` (one veth link each on bridge s1) started first, then the network
// container, timed from its State.StartedAt (engine clock) to the moment every
// replica's eth0 has its prefix route in /proc/<pid>/net/route (the kernel adds
// it only once the interface is up with its address).
// Replicas are made through the Engine API with compose's labels (compose v1
// makes 1000 containers far too slowly); the network container by compose.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import Docker from 'dockerode'
import { execa } from 'execa'
import { composeCommand, mdcSettings } from '../src/compose/mdc.js'
import { ALL_CONNECTED } from '../src/engine/engine.js'

export const NETWORK_IMAGE = process.env.BENCH_IMAGE ?? 'conlink:latest'
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR
// conlink runs as users run it, without -v, unless the start-up phases or its whole log are asked for:
// -v adds two log lines per container, and writing them to the pipe Docker reads slows the wiring
/** conlink runs with -v (its start-up phases are in its log). */
export const VERBOSE = process.env.BENCH_PHASES === '1' || Boolean(process.env.BENCH_LOG_DIR)
export const NODE_IMAGE = 'conlink-test-node'

/** RFC 3339 with nanoseconds (`2024-05-01T10:00:00.123456789Z`) to epoch milliseconds, sub-ms kept. */
export function parseEngineTime(text: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(text.trim())
  if (!m) throw new Error(`not an engine timestamp: ${text}`)
  return Date.parse(m[1] + m[3]) + Number(`0.${m[2] ?? '0'}`) * 1000
}

function composeYaml(): string {
  const doc = {
    version: '2.4',
    services: {
      network: {
        image: NETWORK_IMAGE,
        pid: 'host',
        network_mode: 'none',
        cap_add: ['SYS_ADMIN', 'NET_ADMIN', 'SYS_NICE', 'NET_BROADCAST', 'IPC_LOCK'],
        security_opt: ['apparmor:unconfined'],
        volumes: ['/var/run/docker.sock:/var/run/docker.sock', './:/bench:ro', ...(CPU_PROFILE_DIR ? [`${CPU_PROFILE_DIR}:/cpu-profiles`] : [])],
        // BENCH_CPU_PROFILE_DIR: node writes a CPU profile of conlink there when it exits (the SIGTERM of a run's teardown)
        command: [...(CPU_PROFILE_DIR ? ['node', '--cpu-prof', '--cpu-prof-dir=/cpu-profiles', '/app/bin/conlink.js'] : ['conlink']),
          'up', ...(VERBOSE ? ['-v'] : []), '--compose-file', '/bench/compose.yaml'],
      },
      // replicas running before the network container starts are wired at start-up; later ones live
      node: {
        image: NODE_IMAGE,
        network_mode: 'none',
        command: ['sleep', '864000'],
        scale: 0,
        'x-network': { links: [{ bridge: 's1', ip: '10.1.0.1/16' }] },
      },
    },
  }
  return JSON.stringify(doc, null, 2) // JSON is YAML
}

export interface NetworkRun {
  id: string
  pid: number
  /** State.StartedAt, epoch ms. */
  startedAt: number
  /** When the last replica's eth0 route was seen, epoch ms. */
  routedAt: number
}

/** Run `fn` on every item, at most `n` at once. */
export async function inParallel<T>(items: T[], n: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < items.length) await fn(items[next++])
  }
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker))
}

/**
 * Watches many processes until each has an eth0 route in /proc/<pid>/net/route:
 * route-watch.pl subscribes to route changes in each one's network namespace
 * and reads its route file when one is reported, so watching costs next to no
 * CPU (sweeping the files costs up to a third of a core, taken from the
 * wiring it measures on two cores) and the time is that of the event.
 */
export class RouteWatch {
  private readonly child: ChildProcess
  private readonly ready: Promise<void>
  private readonly seen = new Map<number, number>()
  private ended: Promise<void>

  constructor(private readonly pids: number[]) {
    this.child = spawn('perl', [join(import.meta.dirname, 'route-watch.pl'), ...pids.map(String)], { stdio: ['ignore', 'pipe', 'inherit'] })
    const lines = createInterface({ input: this.child.stdout! })
    this.ready = new Promise((resolve) => lines.once('line', () => resolve()))
    lines.on('line', (line) => {
      const [pid, at] = line.split(' ')
      if (at) this.seen.set(Number(pid), Number(at) * 1000)
    })
    this.ended = new Promise((resolve) => this.child.once('exit', () => resolve()))
  }

  /** Resolves once every namespace is watched. */
  started(): Promise<void> {
    return Promise.race([this.ready, this.ended.then(() => Promise.reject(new Error('route watcher exited before it was ready')))])
  }

  /** Resolves to the wall-clock time (epoch ms) the last route was first seen. */
  async run(timeoutMs: number): Promise<number> {
    const timer = setTimeout(() => this.child.kill(), timeoutMs)
    await this.ended
    clearTimeout(timer)
    if (this.seen.size < this.pids.length) throw new Error(`${this.pids.length - this.seen.size} replicas have no eth0 route after ${timeoutMs} ms`)
    return Math.max(...this.seen.values())
  }

  stop(): void {
    this.child.kill()
  }
}

export class BenchProject {
  readonly dir = mkdtempSync(join(tmpdir(), 'h10-bench-'))
  readonly docker = new Docker({ socketPath: '/var/run/docker.sock' })

  constructor(readonly name: string) {
    writeFileSync(join(this.dir, 'compose.yaml'), composeYaml())
  }

  /** compose (the command mdc would use) with this project's name and file. */
  async compose(args: string[], allowFailure = false): Promise<void> {
    const [file, ...pre] = await composeCommand(mdcSettings(process.env))
    const r = await execa(file, [...pre, '-p', this.name, '-f', join(this.dir, 'compose.yaml'), ...args], { reject: false, timeout: 900_000 })
    if (r.exitCode !== 0 && !allowFailure) throw new Error(`compose ${args.join(' ')} failed: ${r.stderr}`)
  }

  /** Exactly `n` running `node` replicas (index 1..n; the network container is not touched). */
  async scale(n: number): Promise<void> {
    const have = await this.replicas()
    const surplus = [...have].filter(([index]) => index > n)
    await inParallel(surplus, 16, ([, id]) => this.docker.getContainer(id).remove({ force: true }))
    const missing = Array.from({ length: n }, (_, i) => i + 1).filter((index) => !have.has(index))
    await inParallel(missing, 8, async (index) => {
      const id = await this.createReplica(index)
      await this.docker.getContainer(id).start()
    })
  }

  /** A `node` replica as compose would label it, created but not started; returns its id. */
  async createReplica(index: number): Promise<string> {
    const c = await this.docker.createContainer({
      name: `${this.name}_node_${index}`,
      Image: NODE_IMAGE,
      Cmd: ['sleep', '864000'],
      Labels: {
        'com.docker.compose.project': this.name,
        'com.docker.compose.project.working_dir': this.dir,
        'com.docker.compose.service': 'node',
        'com.docker.compose.container-number': String(index),
        'com.docker.compose.oneoff': 'False',
      },
      HostConfig: { NetworkMode: 'none' },
    })
    return c.id
  }

  /** Every `node` replica, running or not: index -> id. */
  async replicas(): Promise<Map<number, string>> {
    const list = await this.docker.listContainers({
      all: true,
      filters: { label: [`com.docker.compose.project=${this.name}`, 'com.docker.compose.service=node'] },
    })
    return new Map(list.map((c) => [Number(c.Labels['com.docker.compose.container-number']), c.Id]))
  }

  /** The network service's containers, running or not. */
  async networkContainers(): Promise<string[]> {
    const list = await this.docker.listContainers({
      all: true,
      filters: { label: [`com.docker.compose.project=${this.name}`, 'com.docker.compose.service=network'] },
    })
    return list.map((c) => c.Id)
  }

  /** Running containers of a service: id -> pid. */
  async running(service: string): Promise<Map<string, number>> {
    const list = await this.docker.listContainers({
      filters: { label: [`com.docker.compose.project=${this.name}`, `com.docker.compose.service=${service}`], status: ['running'] },
    })
    const pids = await Promise.all(list.map(async (c) => (await this.docker.getContainer(c.Id).inspect()).State.Pid))
    return new Map(list.map((c, i) => [c.Id, pids[i]]))
  }

  /**
   * Start the network container; wiring is done when every replica's eth0 has
   * its prefix route (routes are watched from before the start). Then waits for
   * "All links connected" too (RSS is read after it).
   */
  async startNetwork(replicaPids: number[], timeoutMs = 120_000): Promise<NetworkRun> {
    const watch = new RouteWatch(replicaPids)
    await watch.started()
    const routed = watch.run(timeoutMs)
    let id: string
    try {
      // compose only creates it: started through the API, so no compose process competes for the CPU while it wires
      await this.compose(['up', '--no-start', '--no-deps', 'network'])
      id = (await this.networkContainers())[0]
      if (!id) throw new Error('compose created no network container')
      await this.docker.getContainer(id).start()
    } catch (err) {
      watch.stop()
      throw err
    }
    const fail = async (err: Error) => {
      watch.stop()
      const tail = (await this.logs(id)).split('\n').slice(-30).join('\n')
      throw new Error(`${err.message}; network container log ends:\n${tail}`)
    }
    const connected = waitForLogLine(id, ALL_CONNECTED, timeoutMs).catch(fail)
    const routedAt = await routed.catch(fail)
    await connected
    const state = (await this.docker.getContainer(id).inspect()).State
    return { id, pid: state.Pid, startedAt: parseEngineTime(state.StartedAt), routedAt }
  }

  /** SIGTERM to the network container: seconds from sending it to the process's exit (State.FinishedAt); every replica must have lost eth0 by then. */
  async stopNetwork(id: string, replicaPids: number[]): Promise<number> {
    const c = this.docker.getContainer(id)
    const sentAt = Date.now()
    await c.kill({ signal: 'SIGTERM' })
    await c.wait()
    const finishedAt = parseEngineTime((await c.inspect()).State.FinishedAt)
    const left = replicaPids.filter((pid) => hasInterface(pid, 'eth0')).length
    await c.remove({ force: true })
    if (left) throw new Error(`${left} replicas still have eth0 after the network container stopped on SIGTERM`)
    return (finishedAt - sentAt) / 1000
  }

  /** Remove the network container (SIGKILL: its links vanish with its namespace) and wait until replicas lost eth0. */
  async removeNetwork(id: string, replicaPids: number[]): Promise<void> {
    await this.docker.getContainer(id).remove({ force: true })
    const deadline = Date.now() + 60_000
    while (replicaPids.some((pid) => hasInterface(pid, 'eth0'))) {
      if (Date.now() > deadline) throw new Error('replicas still have eth0 60 s after the network container was removed')
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  /** conlink's `-v` start-up phases in a network container's log: phase -> ms since node started. */
  async phases(id: string): Promise<{ logs: string; at: Map<string, number> }> {
    const logs = await this.logs(id)
    return { logs, at: new Map([...logs.matchAll(/start-up: (.+?) at (\d+) ms/g)].map((m) => [m[1], Number(m[2])])) }
  }

  async logs(id: string): Promise<string> {
    const r = await execa('docker', ['logs', '-t', id], { reject: false, all: true })
    return String(r.all ?? '')
  }

  /** Remove the project's containers (through the API: compose v1 is slow with a thousand), then compose down for the rest. */
  async down(): Promise<void> {
    const left = await this.docker.listContainers({ all: true, filters: { label: [`com.docker.compose.project=${this.name}`] } })
    await inParallel(left, 8, (c) => this.docker.getContainer(c.Id).remove({ force: true }))
    await this.compose(['down', '-t', '0'], true)
  }

  /** down, then remove the project's directory. */
  async dispose(): Promise<void> {
    await this.down()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** Whether the namespace of `pid` has interface `dev` (read from /proc, no process started). */
export function hasInterface(pid: number, dev: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/net/dev`, 'utf8').includes(` ${dev}:`)
  } catch {
    return false // process gone
  }
}

/** Whether `dev` of `pid`'s namespace is up with an IPv4 address: its prefix route appears only then. */
export function hasUpRoute(pid: number, dev: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/net/route`, 'utf8').split('\n').some((line) => line.startsWith(`${dev}\t`))
  } catch {
    return false
  }
}

/** Follow `docker logs -f -t` until a line contains `text`; resolves to that line's engine timestamp. */
export function waitForLogLine(id: string, text: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', ['logs', '-f', '-t', id], { stdio: ['ignore', 'pipe', 'pipe'] })
    let rest = ''
    const timer = setTimeout(() => finish(new Error(`no "${text}" within ${timeoutMs} ms`)), timeoutMs)
    const finish = (result: number | Error) => {
      clearTimeout(timer)
      child.kill()
      if (typeof result === 'number') resolve(result)
      else reject(result)
    }
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) {
        if (!line.includes(text)) continue
        return finish(parseEngineTime(line.slice(0, line.indexOf(' '))))
      }
    })
    child.on('close', () => finish(new Error(`log of ${id.slice(0, 12)} ended before "${text}"`)))
  })
}

/** Resident and peak memory (MB) of a process, from /proc/<pid>/status. */
export function memoryMb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 }
}

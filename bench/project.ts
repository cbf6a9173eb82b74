// The benchmark's compose project against the real Docker engine: replicas of
// `node` (one veth link each on bridge s1) started first, then the network
// container, timed from its State.StartedAt to the "All links connected" line
// of `docker logs --timestamps` (both engine clock timestamps).
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { execa } from 'execa'
import { composeCommand, mdcSettings } from '../src/compose/mdc.js'
import { ALL_CONNECTED } from '../src/engine/engine.js'

export const NETWORK_IMAGE = process.env.BENCH_IMAGE ?? 'conlink:latest'
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
        volumes: ['/var/run/docker.sock:/var/run/docker.sock', './:/bench:ro'],
        command: ['conlink', 'up', '-v', '--compose-file', '/bench/compose.yaml'],
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
  /** Timestamp of the "All links connected" log line, epoch ms. */
  connectedAt: number
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

  /** Exactly `n` running replicas of `service` (the network container is not touched). */
  async scale(service: string, n: number): Promise<void> {
    await this.compose(['up', '-d', '--no-deps', '--no-recreate', '--scale', `${service}=${n}`, service])
  }

  /** Running containers of a service: id -> pid. */
  async running(service: string): Promise<Map<string, number>> {
    const list = await this.docker.listContainers({
      filters: { label: [`com.docker.compose.project=${this.name}`, `com.docker.compose.service=${service}`], status: ['running'] },
    })
    const pids = await Promise.all(list.map(async (c) => (await this.docker.getContainer(c.Id).inspect()).State.Pid))
    return new Map(list.map((c, i) => [c.Id, pids[i]]))
  }

  /** Start the network container and wait for "All links connected". */
  async startNetwork(timeoutMs = 120_000): Promise<NetworkRun> {
    await this.compose(['up', '-d', '--no-deps', 'network'])
    const [id] = (await this.running('network')).keys()
    if (!id) throw new Error('the network container is not running')
    const connectedAt = await waitForLogLine(id, ALL_CONNECTED, timeoutMs).catch(async (err: Error) => {
      const tail = (await this.logs(id)).split('\n').slice(-30).join('\n')
      throw new Error(`${err.message}; network container log ends:\n${tail}`)
    })
    const state = (await this.docker.getContainer(id).inspect()).State
    return { id, pid: state.Pid, startedAt: parseEngineTime(state.StartedAt), connectedAt }
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

  async logs(id: string): Promise<string> {
    const r = await execa('docker', ['logs', '-t', id], { reject: false, all: true })
    return String(r.all ?? '')
  }

  async down(): Promise<void> {
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

// One new replica at a time: with the engine running and `wired` replicas
// wired, more `node` replicas are created beforehand and started one by one
// with `docker start`; each is timed from the engine's start event (its
// `timeNano`) to the replica's eth0 being up with its IPv4 address, two ways:
// - observed (the method): from outside, polling
//   /proc/<pid>/net/route of the replica every millisecond until eth0's
//   prefix route appears (the kernel adds it only once the interface is up
//   and has its address);
// - conlink: the `-v` line "Links of NAME connected at SECONDS" the engine
//   logs once the container's links are done (its own clock reading);
// - the event's delivery: the `-v` line "docker start event of ID received at
//   SECONDS", logged when conlink reads the event from the engine's stream.
import { readFileSync } from 'node:fs'
import type Docker from 'dockerode'
import { execa } from 'execa'
import { initOf } from '../src/runtime/procpids.js'
import { hasUpRoute, inParallel, type BenchProject } from './project.js'

const POLL_MS = 1
const SAMPLE_TIMEOUT_MS = 20_000

export interface LiveSamples {
  /** conlink's own "connected" time minus the event time, per replica (ms). */
  conlink: number[]
  /** conlink's own figures from its "connected" line: the inspect, then the links (ms). */
  inspect: number[]
  links: number[]
  /** conlink's reading of the start event minus the event time, per replica (ms). */
  eventLag: number[]
  /** First poll that saw the route minus the event time (ms). */
  observed: number[]
  /** Samples whose route was already there at the first poll (observed is then an upper bound). */
  early: number
}

const nowMs = () => performance.timeOrigin + performance.now()

interface Seen {
  eventMs: number
  name: string
  observedMs?: number
  early?: boolean
}

/** Where Docker's cgroup drivers put a container's processes (v1 with cgroupfs, v2 with cgroupfs, v2 with systemd). */
const CGROUP_PROCS = ['/sys/fs/cgroup/pids/docker/ID/cgroup.procs', '/sys/fs/cgroup/docker/ID/cgroup.procs', '/sys/fs/cgroup/system.slice/docker-ID.scope/cgroup.procs']

/**
 * The pid of a just-started container's init, read from its cgroup (the rule
 * conlink's own start-up uses, src/runtime/procpids.ts): no inspect, so the
 * bench does not compete with conlink for dockerd at the moment it measures.
 * Undefined when no cgroup file is found or init is not clear (then inspect).
 */
function pidFromCgroup(id: string): number | undefined {
  for (const path of CGROUP_PROCS) {
    let text: string
    try {
      text = readFileSync(path.replace('ID', id), 'utf8')
    } catch {
      continue // not this cgroup layout
    }
    return initOf(text.split('\n').filter(Boolean).map(Number))
  }
  return undefined
}

async function startedPid(docker: Docker, id: string): Promise<number> {
  return pidFromCgroup(id) ?? (await docker.getContainer(id).inspect()).State.Pid
}

/** Watch the route of a started replica until it appears. */
async function observe(docker: Docker, id: string, seen: Seen): Promise<void> {
  const pid = await startedPid(docker, id)
  const deadline = Date.now() + SAMPLE_TIMEOUT_MS
  let first = true
  while (Date.now() < deadline) {
    if (hasUpRoute(pid, 'eth0')) {
      seen.observedMs = nowMs()
      seen.early = first
      return
    }
    first = false
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
}

/** With `wired` node replicas wired, start `samples` more one by one (`docker start`); they are removed afterwards. */
export async function measureLiveStarts(p: BenchProject, networkId: string, wired: number, samples: number): Promise<LiveSamples> {
  const ids: string[] = []
  for (let k = 1; k <= samples; k++) ids.push(await p.createReplica(wired + k))
  const seen = new Map<string, Seen>()
  const watches: Array<Promise<void>> = []
  const abort = new AbortController()
  const filters = { type: ['container'], event: ['start'], label: [`com.docker.compose.project=${p.name}`, 'com.docker.compose.service=node'] }
  const stream = (await p.docker.getEvents({ filters, abortSignal: abort.signal } as Docker.GetEventsOptions)) as NodeJS.ReadableStream
  let rest = ''
  stream.on('data', (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines.filter(Boolean)) {
      const e = JSON.parse(line) as { id?: string; Actor?: { ID?: string; Attributes?: { name?: string } }; timeNano: number }
      const id = e.Actor?.ID ?? e.id!
      const entry: Seen = { eventMs: e.timeNano / 1e6, name: e.Actor?.Attributes?.name ?? '' }
      seen.set(id, entry)
      watches.push(observe(p.docker, id, entry))
    }
  })
  stream.on('error', () => undefined)
  try {
    for (const [k, id] of ids.entries()) {
      await execa('docker', ['start', id])
      const deadline = Date.now() + SAMPLE_TIMEOUT_MS
      while (seen.size <= k && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
      await Promise.all(watches)
      await new Promise((r) => setTimeout(r, 200)) // let the engine settle before the next start
    }
  } finally {
    abort.abort()
  }
  const logs = await p.logs(networkId)
  const connectedAt = new Map<string, number>()
  const steps = new Map<string, [number, number]>()
  for (const m of logs.matchAll(/Links of (\S+) connected at (\d+\.\d+)(?: \(inspect ([\d.]+) ms, links ([\d.]+) ms\))?/g)) {
    connectedAt.set(m[1], Number(m[2]) * 1000)
    if (m[3] !== undefined) steps.set(m[1], [Number(m[3]), Number(m[4])])
  }
  const receivedAt = new Map<string, number>()
  for (const m of logs.matchAll(/docker start event of (\w+) received at (\d+\.\d+)/g)) receivedAt.set(m[1], Number(m[2]) * 1000)
  const result: LiveSamples = { conlink: [], inspect: [], links: [], eventLag: [], observed: [], early: 0 }
  for (const [id, s] of seen) {
    const at = connectedAt.get(s.name)
    if (at !== undefined) result.conlink.push(at - s.eventMs)
    const [inspect, links] = steps.get(s.name) ?? []
    if (inspect !== undefined) result.inspect.push(inspect)
    if (links !== undefined) result.links.push(links)
    const received = receivedAt.get(id.slice(0, 12))
    if (received !== undefined) result.eventLag.push(received - s.eventMs)
    if (s.observedMs !== undefined) result.observed.push(s.observedMs - s.eventMs)
    if (s.early) result.early++
  }
  await inParallel(ids, 8, (id) => p.docker.getContainer(id).remove({ force: true }))
  return result
}

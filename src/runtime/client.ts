// One engine (Docker or Podman: both speak the Docker API) seen through dockerode.
import { once } from 'node:events'
import { PassThrough } from 'node:stream'
import type Docker from 'dockerode'
import type { ContainerInfo } from '../config/types.js'
import { EVENT_FILTER, JsonObjectSplitter, normalizeEvent, type EngineEvent } from './events.js'
import { toContainerInfo } from './labels.js'
import { mapLimit } from './limit.js'
import { ProcPids } from './procpids.js'
import { ownContainerId } from './mountinfo.js'

export type EngineKind = 'docker' | 'podman'
export type OutputStream = 'stdout' | 'stderr'

/** Inspects in flight at once while listing. */
const INSPECT_CONCURRENCY = 16
/** How long events() waits for the stream to open before returning anyway (some Podman setups hold it until the first event). */
const SUBSCRIBE_WAIT_MS = 1000

/** What the reconciler and start-up use of an engine (tests pass a fake). */
export type ContainerEngine = Pick<EngineClient, 'kind' | 'listRunning' | 'inspect' | 'events' | 'exec' | 'ownContainer'>

/** Podman's container list has each container's pid; Docker's has none. */
const listedPid = (c: Docker.ContainerInfo): number | undefined => (c as { Pid?: number }).Pid || undefined

/**
 * What a start event tells of its container, all but the pid (0): Docker's
 * carry the name and labels; Podman's carry no labels, so nothing is taken from them.
 */
export function announcedInfo(kind: EngineKind, id: string, started?: EngineEvent): ContainerInfo | undefined {
  const name = kind === 'docker' ? started?.attributes?.name : undefined
  return name ? toContainerInfo(id, name, 0, started?.attributes) : undefined
}

export class EngineClient {
  private readonly procPids = new ProcPids()

  constructor(
    readonly kind: EngineKind,
    readonly socketPath: string,
    readonly docker: Docker,
  ) {}

  /**
   * Running containers: one list call; the pid from the list (Podman), else from /proc
   * (procpids.ts), else from an inspect (bounded parallelism).
   * `onEach` gets each container as soon as it is known, before the whole list is.
   */
  async listRunning(onEach?: (info: ContainerInfo) => void): Promise<ContainerInfo[]> {
    // only Docker's pids come from /proc, scanned while dockerd lists: Podman lists pids, and its conmon may share the container's cgroup
    const [listed, scan] = await Promise.all([
      this.docker.listContainers({ filters: { status: ['running'] } }),
      this.kind === 'docker' ? this.procPids.scanAfresh() : undefined,
    ])
    const fromProc = scan ? this.procPids.pidsFromScan(listed.filter((c) => !listedPid(c)).map((c) => c.Id), scan) : new Map<string, number>()
    const infos = await mapLimit(listed, INSPECT_CONCURRENCY, async (c) => {
      const pid = listedPid(c) ?? fromProc.get(c.Id)
      const info = pid ? toContainerInfo(c.Id, c.Names?.[0] ?? c.Id, pid, c.Labels) : await this.inspect(c.Id)
      if (info) onEach?.(info)
      return info
    })
    return infos.filter((info): info is ContainerInfo => info !== undefined)
  }

  /**
   * The container if it exists and is running, else undefined. After a Docker
   * start event (`started`), its name and labels are the event's and its pid
   * comes from /proc when /proc tells it: no request to the engine, which is
   * busy finishing that start.
   */
  async inspect(id: string, started?: EngineEvent): Promise<ContainerInfo | undefined> {
    const announced = announcedInfo(this.kind, id, started)
    const pid = announced && this.procPids.pidsOf([id]).get(id)
    if (announced && pid) return { ...announced, pid }
    let data: Docker.ContainerInspectInfo
    try {
      data = await this.docker.getContainer(id).inspect()
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return undefined
      throw err
    }
    if (!data.State?.Running || !data.State.Pid) return undefined
    return toContainerInfo(data.Id, data.Name, data.State.Pid, data.Config?.Labels)
  }

  /**
   * Subscribe to container start/die events. Returns the unsubscribe function
   * after the stream opened or SUBSCRIBE_WAIT_MS, whichever comes first, so a
   * subscription that blocks until the first event never holds up start-up.
   */
  async events(onEvent: (e: EngineEvent) => void, onError: (err: unknown) => void): Promise<() => void> {
    const abort = new AbortController()
    const report = (err: unknown) => abort.signal.aborted || onError(err)
    const splitter = new JsonObjectSplitter(
      (value) => {
        const event = normalizeEvent(value)
        if (event) onEvent(event)
      },
      (text) => report(new Error(`unreadable ${this.kind} event: ${text.slice(0, 200)}`)),
    )
    const filters = { type: ['container' as const], event: [...EVENT_FILTER[this.kind]] }
    const options = { filters, abortSignal: abort.signal } as Docker.GetEventsOptions
    const opened = this.docker.getEvents(options).then((stream) => {
      stream.on('data', (chunk: Buffer) => splitter.push(chunk))
      stream.on('error', report)
      stream.on('end', () => report(new Error(`${this.kind} event stream ended`)))
    }, report)
    let timer: NodeJS.Timeout | undefined
    await Promise.race([opened, new Promise((resolve) => (timer = setTimeout(resolve, SUBSCRIBE_WAIT_MS)))])
    clearTimeout(timer)
    return () => abort.abort()
  }

  /**
   * Run `cmd` in the container: a string runs as `sh -c STRING` inside it (the
   * spec's `commands` string form), an array as argv. Calls `onLine` per
   * output line; resolves to the exit code.
   */
  async exec(id: string, cmd: string | string[], onLine: (stream: OutputStream, line: string) => void): Promise<number> {
    const Cmd = typeof cmd === 'string' ? ['sh', '-c', cmd] : cmd
    const exec = await this.docker.getContainer(id).exec({ Cmd, AttachStdout: true, AttachStderr: true, Tty: false })
    const stream = await exec.start({ hijack: true, stdin: false })
    const outputs = (['stdout', 'stderr'] as const).map((name) => lineStream(name, onLine))
    this.docker.modem.demuxStream(stream, outputs[0], outputs[1])
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve)
      stream.on('close', resolve)
      stream.on('error', reject)
    })
    outputs.forEach((o) => o.end())
    await Promise.all(outputs.map((o) => once(o, 'end')))
    return exitCode(exec)
  }

  /** The container this process runs in, if it belongs to this engine. */
  async ownContainer(): Promise<ContainerInfo | undefined> {
    const id = ownContainerId()
    return id ? this.inspect(id) : undefined
  }
}

/** A writable that calls onLine for each complete line (and the unterminated rest at end). */
function lineStream(name: OutputStream, onLine: (stream: OutputStream, line: string) => void): PassThrough {
  const out = new PassThrough()
  let rest = ''
  out.setEncoding('utf8')
  out.on('data', (text: string) => {
    const lines = (rest + text).split('\n')
    rest = lines.pop() ?? ''
    lines.forEach((line) => onLine(name, line.replace(/\r$/, '')))
  })
  out.on('end', () => rest && onLine(name, rest))
  return out
}

/** The exit code once the exec is done (Podman may report it a moment after the stream ends). */
async function exitCode(exec: Docker.Exec): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const info = await exec.inspect()
    if ((!info.Running && info.ExitCode !== null) || attempt >= 50) return info.ExitCode ?? -1
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

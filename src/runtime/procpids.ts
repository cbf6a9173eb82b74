// Container pids from /proc, where the network container sees the host's
// processes (`pid: host`, as it always runs). Docker's container list has no
// pid, so without this start-up inspects every listed container: about 1.5 ms
// of CPU each between dockerd and node, most of the time wiring 1000
// containers takes. A container's processes are those whose cgroup path
// names its id; its pid is the one of them whose parent is not one of them
// (the parent of init is Docker's containerd shim, which runs outside the
// container's cgroup; Podman's conmon may not, and Podman lists pids anyway). When that is not exactly one
// process (a `docker exec` running, an unusual cgroup layout, no `pid: host`)
// the container is left out, and the caller inspects it.
import { closeSync, openSync, readdirSync, readSync } from 'node:fs'

const CONTAINER_ID = /(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])/g

/** The id of the innermost container a `/proc/PID/cgroup` text names, if every line that names one agrees. */
export function containerIdOfCgroup(text: string): string | undefined {
  let id: string | undefined
  for (const line of text.split('\n')) {
    const last = line.match(CONTAINER_ID)?.at(-1)
    if (!last) continue
    if (id !== undefined && last !== id) return undefined
    id = last
  }
  return id
}

/** The parent pid in a `/proc/PID/stat` text (`pid (comm) state ppid ...`; comm may hold spaces and parentheses). */
export function parentPidOfStat(text: string): number | undefined {
  const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1])
  return Number.isInteger(ppid) && ppid >= 0 ? ppid : undefined
}

const scratch = Buffer.allocUnsafe(4096)

/**
 * A small /proc file's text. readFileSync would allocate 64 KiB for each (proc
 * files report size 0): most of the scan's time with hundreds of processes.
 */
function readOrUndefined(path: string): string | undefined {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch {
    return undefined
  }
  try {
    let text = ''
    for (let n; (n = readSync(fd, scratch, 0, scratch.length, null)) > 0; ) text += scratch.toString('latin1', 0, n)
    return text
  } catch {
    return undefined
  } finally {
    closeSync(fd)
  }
}

/** pid of each container in `ids` whose init process is found unambiguously under `proc` (a scan of every process). */
export function containerPidsFromProc(ids: Iterable<string>, proc = '/proc'): Map<string, number> {
  return new ProcPids(proc).pidsOf(ids)
}

/** A scan of /proc that pidsFromScan matches: the processes it read (trusted as current), and whether /proc could be listed. */
export interface ProcScan {
  readNow: Set<number>
  listed: boolean
}

/** Reads a scan gives way to the event loop after (start-up: dockerd's list reply is read meanwhile). */
const READS_A_SLICE = 64

/**
 * Container pids from /proc for a long-running process: it remembers which
 * container each process's cgroup names, so that after a start event only the
 * processes new since the last lookup are read (a scan of every process takes
 * milliseconds with hundreds of containers; an inspect, 2-4 ms while the
 * engine is busy starting the container). A pid that ended and was reused
 * between two lookups would be remembered wrongly, so the init chosen and its
 * parent are read again when they were not read in this lookup, and a lookup
 * that used what it remembered and found nothing is done once more from scratch.
 * What it remembers is only a cache: an entry dropped is read again.
 */
export class ProcPids {
  /** pid → the container its cgroup named when first read ('' for none). */
  private readonly seen = new Map<number, string>()

  constructor(private readonly proc = '/proc') {}

  /** `afresh`: forget what was remembered first (a scan of every process). */
  pidsOf(ids: Iterable<string>, afresh = false): Map<string, number> {
    if (afresh) this.seen.clear()
    const wanted = new Set(ids)
    const remembered = this.seen.size > 0
    const pids = this.lookup(wanted)
    if (!remembered || pids.size === wanted.size) return pids
    this.seen.clear()
    for (const [id, pid] of this.lookup(new Set([...wanted].filter((id) => !pids.has(id))))) pids.set(id, pid)
    return pids
  }

  /**
   * Every process read afresh, giving way to the event loop every few reads:
   * start-up scans while the engine lists its containers, then matches them
   * with pidsFromScan. A container started after the scan is not found there
   * (its caller inspects it).
   */
  async scanAfresh(): Promise<ProcScan> {
    this.seen.clear()
    const readNow = new Set<number>()
    const slices = this.refresh(readNow)
    let slice = slices.next()
    for (; !slice.done; slice = slices.next()) await new Promise((resolve) => setImmediate(resolve))
    return { readNow, listed: slice.value }
  }

  /** The pids of `ids` as `scan` (just made) saw them. */
  pidsFromScan(ids: Iterable<string>, scan: ProcScan): Map<string, number> {
    const wanted = new Set(ids)
    return scan.listed && wanted.size ? this.match(wanted, scan.readNow) : new Map()
  }

  private lookup(wanted: Set<string>): Map<string, number> {
    if (wanted.size === 0) return new Map()
    const readNow = new Set<number>()
    const slices = this.refresh(readNow)
    let slice = slices.next()
    while (!slice.done) slice = slices.next()
    return slice.value ? this.match(wanted, readNow) : new Map()
  }

  /**
   * Reads the cgroup of each process not remembered (into `readNow`, pausing
   * after every READS_A_SLICE reads) and forgets those gone; false when /proc
   * cannot be listed.
   */
  private *refresh(readNow: Set<number>): Generator<void, boolean> {
    let entries: string[]
    try {
      entries = readdirSync(this.proc)
    } catch {
      return false
    }
    const present = new Set<number>()
    for (const entry of entries) {
      if (!/^[1-9]\d*$/.test(entry)) continue
      const pid = Number(entry)
      present.add(pid)
      if (this.seen.has(pid)) continue
      const id = this.cgroupIdOf(pid)
      if (id === undefined) continue
      this.seen.set(pid, id)
      readNow.add(pid)
      if (readNow.size % READS_A_SLICE === 0) yield
    }
    for (const pid of this.seen.keys()) if (!present.has(pid)) this.seen.delete(pid)
    return true
  }

  /** Each wanted container's init among the processes remembered. */
  private match(wanted: Set<string>, readNow: Set<number>): Map<string, number> {
    const members = new Map<string, number[]>()
    for (const [pid, id] of this.seen) {
      if (!wanted.has(id)) continue
      const list = members.get(id)
      if (list) list.push(pid)
      else members.set(id, [pid])
    }
    const pids = new Map<string, number>()
    for (const [id, list] of members) {
      const root = rootOf(list, this.proc)
      if (root && this.stillInit(id, root, readNow)) pids.set(id, root.pid)
    }
    return pids
  }

  /** The container `pid`'s cgroup names now: '' for none, undefined when it cannot be read (the process is gone). */
  private cgroupIdOf(pid: number): string | undefined {
    const cgroup = readOrUndefined(`${this.proc}/${pid}/cgroup`)
    return cgroup === undefined ? undefined : (containerIdOfCgroup(cgroup) ?? '')
  }

  /** The root found is in container `id` and its parent is not, read again where remembered from an earlier lookup. */
  private stillInit(id: string, root: { pid: number; parent: number }, readNow: Set<number>): boolean {
    const idNow = (pid: number) => (readNow.has(pid) ? this.seen.get(pid) : this.cgroupIdOf(pid))
    return idNow(root.pid) === id && idNow(root.parent) !== id
  }
}

/**
 * The one process of a container's `members` whose parent is not a member;
 * undefined when there is not exactly one, or when a member's parent cannot
 * be read (a process gone meanwhile may have been init).
 */
export function initOf(members: readonly number[], proc = '/proc'): number | undefined {
  return rootOf(members, proc)?.pid
}

function rootOf(members: readonly number[], proc: string): { pid: number; parent: number } | undefined {
  const inside = new Set(members)
  const roots: { pid: number; parent: number }[] = []
  for (const pid of members) {
    const stat = readOrUndefined(`${proc}/${pid}/stat`)
    const parent = stat === undefined ? undefined : parentPidOfStat(stat)
    if (parent === undefined) return undefined
    if (!inside.has(parent)) roots.push({ pid, parent })
  }
  return roots.length === 1 ? roots[0] : undefined
}

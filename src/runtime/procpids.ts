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

/** pid of each container in `ids` whose init process is found unambiguously under `proc`. */
export function containerPidsFromProc(ids: Iterable<string>, proc = '/proc'): Map<string, number> {
  const wanted = new Set(ids)
  const pids = new Map<string, number>()
  if (wanted.size === 0) return pids
  const members = new Map<string, number[]>()
  let entries: string[]
  try {
    entries = readdirSync(proc)
  } catch {
    return pids
  }
  for (const entry of entries) {
    if (!/^[1-9]\d*$/.test(entry)) continue
    const cgroup = readOrUndefined(`${proc}/${entry}/cgroup`)
    const id = cgroup === undefined ? undefined : containerIdOfCgroup(cgroup)
    if (id === undefined || !wanted.has(id)) continue
    const list = members.get(id)
    if (list) list.push(Number(entry))
    else members.set(id, [Number(entry)])
  }
  for (const [id, list] of members) {
    const init = initOf(list, proc)
    if (init !== undefined) pids.set(id, init)
  }
  return pids
}

/**
 * The one process of a container's `members` whose parent is not a member;
 * undefined when there is not exactly one, or when a member's parent cannot
 * be read (a process gone meanwhile may have been init).
 */
export function initOf(members: readonly number[], proc = '/proc'): number | undefined {
  const inside = new Set(members)
  const roots: number[] = []
  for (const pid of members) {
    const stat = readOrUndefined(`${proc}/${pid}/stat`)
    const ppid = stat === undefined ? undefined : parentPidOfStat(stat)
    if (ppid === undefined) return undefined
    if (!inside.has(ppid)) roots.push(pid)
  }
  return roots.length === 1 ? roots[0] : undefined
}

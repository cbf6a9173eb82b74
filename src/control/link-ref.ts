// LINK arguments: `SERVICE:DEV` or `CONTAINER:DEV`, plus `--index N` for one
// replica of a service. Pure: resolution works on the engine's list of
// wired link instances, and an unknown name lists the close matches.
import { ConlinkError } from '../errors.js'
import { USAGE_EXIT } from './units.js'

export interface LinkRef {
  /** A compose service or a container name. */
  name: string
  dev: string
  /** Replica index (compose container-number); undefined = every replica. */
  index?: number
}

/** What a LINK can resolve to: one wired link instance. */
export interface LinkTarget {
  /** `container:dev`, the name every message uses. */
  id: string
  container: string
  service?: string
  index: number
  dev: string
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
const DEV = /^[^\s:/]{1,15}$/

export function parseLinkRef(text: string, index?: number): LinkRef {
  const colon = text.indexOf(':')
  const [name, dev] = colon < 0 ? [text, ''] : [text.slice(0, colon), text.slice(colon + 1)]
  if (!NAME.test(name) || !DEV.test(dev))
    throw new ConlinkError(`'${text}' is not a link`, { hint: 'write LINK as SERVICE:DEV or CONTAINER:DEV, e.g. h1:eth0', exitCode: USAGE_EXIT })
  if (index !== undefined && !(Number.isInteger(index) && index >= 1))
    throw new ConlinkError(`--index ${index} is not a replica index`, { hint: 'replicas count from 1', exitCode: USAGE_EXIT })
  return index === undefined ? { name, dev } : { name, dev, index }
}

export function formatLinkRef(ref: LinkRef): string {
  return `${ref.name}:${ref.dev}${ref.index === undefined ? '' : ` --index ${ref.index}`}`
}

/** Edit distance (insert, delete, substitute), for "did you mean". */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = row
  }
  return prev[b.length]
}

/** Up to `max` known names close to `wanted` (small edit distance, or one contains the other), best first. */
export function closeMatches(wanted: string, known: Iterable<string>, max = 5): string[] {
  const w = wanted.toLowerCase()
  const scored = [...new Set(known)].map((name) => {
    const n = name.toLowerCase()
    const d = editDistance(w, n)
    return { name, d, close: d <= Math.max(2, Math.floor(w.length / 3)) || n.includes(w) || w.includes(n) }
  })
  return scored
    .filter((s) => s.close)
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((s) => s.name)
}

/** Every name a user may type for these targets: `service:dev` and `container:dev`. */
export function knownLinkNames(targets: LinkTarget[], configured: Iterable<string> = []): string[] {
  const names = new Set(configured)
  for (const t of targets) {
    if (t.service) names.add(`${t.service}:${t.dev}`)
    names.add(t.id)
  }
  return [...names].sort()
}

/**
 * The instances a LINK names: by service (every replica, or `index`) or by
 * container name. Unknown: exit 2 with close matches. Configured but with no
 * running container: exit 1 saying so.
 */
export function resolveLinkRef<T extends LinkTarget>(targets: T[], ref: LinkRef, configured: Set<string> = new Set()): T[] {
  const text = `${ref.name}:${ref.dev}`
  const byName = targets.filter((t) => t.dev === ref.dev && (t.service === ref.name || t.container === ref.name))
  const found = byName.filter((t) => ref.index === undefined || t.index === ref.index)
  if (found.length) return found
  if (byName.length) {
    const indexes = [...new Set(byName.map((t) => t.index))].sort((a, b) => a - b)
    throw new ConlinkError(`${text} has no replica ${ref.index}`, { hint: `running replicas: ${indexes.join(', ')}`, exitCode: USAGE_EXIT })
  }
  if (configured.has(text)) throw new ConlinkError(`link ${text} is configured but no container of it is running`, { hint: 'start the container first' })
  const known = knownLinkNames(targets, configured)
  const close = closeMatches(text, known)
  const hint = close.length
    ? `did you mean ${close.join(', ')}?`
    : known.length
      ? `known links: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', ...' : ''}`
      : 'no links are wired yet'
  throw new ConlinkError(`unknown link ${text}`, { hint, exitCode: USAGE_EXIT })
}

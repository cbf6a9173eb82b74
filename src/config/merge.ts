// Merging config pieces. Order (docs/config.md): for each compose file
// its top-level x-network, then each service's x-network in file order; then
// the network files. Maps merge key by key, lists concatenate, scalars: later
// wins. Every list item keeps the origin it was written at.
import type { Origin } from './types.js'
import type { ConfigPiece } from './load.js'
import { isMap } from './load.js'
import { TaggedValue, isOverride, isReset, untag } from './shape.js'
import { linkLabel } from './label.js'

export const SECTIONS = ['links', 'bridges', 'tunnels', 'commands'] as const

/** A value plus where it was written; merged links remember the origin of each key. */
export interface Sourced {
  value: unknown
  origin: Origin
  /** For items combined by identity: the origin of each key's winning value. */
  keyOrigins?: Record<string, Origin>
  /** For list keys combined from several definitions: the origin of each list element. */
  itemOrigins?: Record<string, Origin[]>
}

export interface MergedConfig {
  links: Sourced[]
  bridges: Sourced[]
  tunnels: Sourced[]
  commands: Sourced[]
  /** Top-level keys that are not sections, or sections that are not lists (validate reports them). */
  other: Record<string, Sourced>
}

/** Set an own property, also for keys like `__proto__` (keys and names are user data). */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): T {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
  return value
}

/** Generic deep merge: maps key by key, lists concatenate, scalars later wins. */
export function deepMerge(a: unknown, b: unknown): unknown {
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b]
  if (isMap(a) && isMap(b)) {
    const out: Record<string, unknown> = { ...a }
    for (const [k, v] of Object.entries(b)) setOwn(out, k, Object.hasOwn(out, k) ? deepMerge(out[k], v) : v)
    return out
  }
  return b === undefined ? a : b
}

/** Deep-merge pieces (already in merge order), keeping each list item's origin. */
export function mergePieces(pieces: readonly ConfigPiece[]): MergedConfig {
  const merged: MergedConfig = { links: [], bridges: [], tunnels: [], commands: [], other: {} }
  for (const { file, prefix, doc } of pieces) {
    for (const [key, tagged] of Object.entries(doc)) {
      const section = SECTIONS.find((s) => s === key)
      // Compose's `!reset` drops what earlier files said at this place; `!override` replaces it
      const tag = tagged instanceof TaggedValue ? tagged.tag : undefined
      const value = tag === undefined ? tagged : (tagged as TaggedValue).value
      if (tag !== undefined) {
        if (section) merged[section] = merged[section].filter((item) => !item.origin.path.startsWith(`${prefix}${key}[`))
        else delete merged.other[key]
        if (tag === '!reset') continue
      }
      if (section && Array.isArray(value)) {
        value.forEach((item, i) => merged[section].push({ value: item, origin: { file, path: `${prefix}${key}[${i}]` } }))
      } else if (section && (value === null || value === undefined)) {
        continue // `links:` with nothing under it
      } else {
        const prev = Object.hasOwn(merged.other, key) ? merged.other[key] : undefined
        setOwn(merged.other, key, { value: prev ? deepMerge(prev.value, value) : value, origin: { file, path: `${prefix}${key}` } })
      }
    }
  }
  return merged
}

/** A value as part of an identity; not-yet-validated values may be maps with a `toString` key. */
function idPart(v: unknown): string {
  return typeof v === 'string' ? v : String(JSON.stringify(v))
}

/** Link keys that hold a string or a list; definitions of the same link concatenate them. */
export const LINK_LIST_KEYS = ['route', 'forward', 'ethtool', 'netem'] as const

/**
 * Combine items with the same identity into one, the combined item placed
 * where its first definition was. Scalar keys: later wins. Keys in listKeys:
 * when either side is a list the two concatenate in merge order, a string
 * counting as a one-element list (two strings: later wins, like a scalar).
 * Items that are not maps are kept as they are (validation reports them).
 */
export function mergeByIdentity(
  items: readonly Sourced[],
  identity: (item: Record<string, unknown>) => string,
  listKeys: readonly string[] = [],
): Sourced[] {
  const out: Sourced[] = []
  const byId = new Map<string, Sourced>()
  for (const item of items) {
    if (!isMap(item.value)) {
      out.push(item)
      continue
    }
    const id = identity(item.value)
    const prev = byId.get(id)
    if (!prev) {
      const first: Sourced = { ...item, value: { ...item.value }, keyOrigins: keyOriginsOf(item), itemOrigins: {} }
      byId.set(id, first)
      out.push(first)
      continue
    }
    combineInto(prev, item, listKeys)
  }
  // `key: !reset` in a later definition removes the key; `key: !override X` is X
  for (const item of out) {
    if (!isMap(item.value)) continue
    for (const [k, v] of Object.entries(item.value)) {
      if (isOverride(v)) setOwn(item.value, k, v.value)
      if (!isReset(v)) continue
      delete item.value[k]
      if (item.keyOrigins) delete item.keyOrigins[k]
    }
  }
  return out
}

function combineInto(prev: Sourced, item: Sourced, listKeys: readonly string[]): void {
  const target = prev.value as Record<string, unknown>
  const origins = keyOriginsOf(item)
  for (const [k, v] of Object.entries(item.value as Record<string, unknown>)) {
    const old = Object.hasOwn(target, k) ? untag(target[k]) : undefined
    if (old !== undefined && !(v instanceof TaggedValue) && listKeys.includes(k) && (Array.isArray(old) || Array.isArray(v))) {
      setOwn(prev.itemOrigins!, k, [...elementOrigins(old, k, prev), ...elementOrigins(v, k, item)])
      setOwn(target, k, [...asList(old), ...asList(v)])
    } else {
      if (prev.itemOrigins && Object.hasOwn(prev.itemOrigins, k)) delete prev.itemOrigins[k]
      setOwn(target, k, v)
    }
    setOwn(prev.keyOrigins!, k, origins[k])
  }
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v])

/** Where each element of key k's value in item was written (`...route[1]`, or `...route` for a string). */
function elementOrigins(v: unknown, k: string, item: Sourced): Origin[] {
  const known = item.itemOrigins && Object.hasOwn(item.itemOrigins, k) ? item.itemOrigins[k] : undefined
  if (known) return known
  const base = originOfKey(item, k)
  return Array.isArray(v) ? v.map((_, i) => ({ file: base.file, path: `${base.path}[${i}]` })) : [base]
}

function keyOriginsOf(item: Sourced): Record<string, Origin> {
  return Object.fromEntries(Object.keys(item.value as object).map((k) => [k, item.keyOrigins?.[k] ?? item.origin]))
}

/** Links merged by `(service|container):dev`, bridges by name. */
export function mergeIdentities(merged: MergedConfig): MergedConfig {
  return {
    ...merged,
    links: mergeByIdentity(merged.links, (link) => linkLabel(link), LINK_LIST_KEYS),
    bridges: mergeByIdentity(merged.bridges, (b) => idPart(b.bridge)),
  }
}

/** Where a key of a (possibly combined) item was written: `file` and `path.key`. */
export function originOfKey(item: Sourced, key?: string): Origin {
  if (key === undefined) return item.origin
  const base = item.keyOrigins?.[key] ?? item.origin
  return { file: base.file, path: `${base.path}.${key}` }
}

/** Where element `index` of a list key of a combined item was written, when it was combined from several definitions. */
export function originOfListItem(item: Sourced, key: string, index: number): Origin | undefined {
  return item.itemOrigins && Object.hasOwn(item.itemOrigins, key) ? item.itemOrigins[key][index] : undefined
}

// Limits on what a loaded document may be (issue 12): bounded alias
// expansion and depth, no cycles, and Compose's YAML tags.
import jsYaml from 'js-yaml'
import { ConlinkError } from '../errors.js'

/** Deepest nesting of maps and lists in a document. */
export const MAX_DEPTH = 64
/**
 * Most values an `x-network` document (or network file) may hold once its
 * aliases are expanded: everything after loading (merge, interpolation)
 * copies shared nodes, so a few hundred bytes of aliases could otherwise
 * become gigabytes. A 500-link file holds about 3,000.
 */
export const MAX_NODES = 200_000

/**
 * A YAML value with a tag conlink does not construct: Compose's `!reset`
 * and `!override` (kept for merging), or any other tag (an error inside
 * `x-network`, ignored elsewhere: only Compose reads it).
 */
export class TaggedValue {
  constructor(
    readonly tag: string,
    readonly value: unknown,
  ) {}
}

export const isReset = (v: unknown): v is TaggedValue => v instanceof TaggedValue && v.tag === '!reset'
export const isOverride = (v: unknown): v is TaggedValue => v instanceof TaggedValue && v.tag === '!override'

const KINDS = ['scalar', 'sequence', 'mapping'] as const
/** js-yaml's default schema plus every other tag as a TaggedValue (`!x`, `!!x`, `!<uri>`). */
export const COMPOSE_SCHEMA = jsYaml.DEFAULT_SCHEMA.extend(
  KINDS.map((kind) =>
    // a multi type with the empty prefix matches every tag not in the default schema
    new jsYaml.Type('', { kind, multi: true, construct: (data: unknown, tag?: string) => new TaggedValue(tag ?? '', data) }),
  ),
)

const describePath = (path: (string | number)[]) => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('')

/**
 * Walk a loaded value without recursion: its expanded size (shared nodes
 * counted each time they are used, computed once per node), its depth, and
 * no cycles; `!override` and `!reset` are allowed, other tags are not.
 * Errors name the file and the path. Returns whether it holds a tag.
 */
export function checkShape(value: unknown, file: string, prefix = ''): boolean {
  const sizes = new Map<object, number>()
  const onPath = new Set<object>()
  let tagged = false
  // `prefix` (`x-network.` in a compose file) alone names the whole document
  const fail = (message: string, path: (string | number)[], hint?: string, more = ''): never => {
    const where = describePath(path) + more
    throw new ConlinkError(message, { place: { file, path: (where ? prefix + where : prefix.replace(/\.$/, '')) || undefined }, hint })
  }
  type Frame = { node: object; path: (string | number)[]; done: boolean }
  const stack: Frame[] = [{ node: { root: value }, path: [], done: false }]
  const childrenOf = (node: object): [string | number, unknown][] => {
    if (Array.isArray(node)) return node.map((v, i) => [i, v])
    if (node instanceof TaggedValue) return [['', node.value]]
    // binary data (`!!binary`, a Buffer) is one value, not one per byte; a Date has no own entries anyway
    if (ArrayBuffer.isView(node)) return []
    return Object.entries(node)
  }
  while (stack.length) {
    const frame = stack[stack.length - 1]
    const { node, path } = frame
    if (frame.done) {
      stack.pop()
      onPath.delete(node)
      let size = 1
      for (const [, child] of childrenOf(node)) size += typeof child === 'object' && child !== null ? sizes.get(child)! : 1
      // the wrapper around the document (path []) is not one of its values
      if (path.length > 0 && size > MAX_NODES) fail(`alias expansion too large (over ${MAX_NODES} values once aliases are expanded)`, path.slice(1), 'use fewer or smaller aliases (`*name`)')
      sizes.set(node, size)
      continue
    }
    frame.done = true
    if (path.length > MAX_DEPTH + 1) fail(`nesting too deep (more than ${MAX_DEPTH} levels)`, path.slice(1, 6), undefined, '...')
    if (node instanceof TaggedValue && node.tag !== '!reset' && node.tag !== '!override') {
      fail(`unknown tag ${node.tag.slice(0, 100)}`, path.slice(1), 'inside x-network only the Compose tags !reset and !override are allowed')
    }
    onPath.add(node)
    if (node instanceof TaggedValue) tagged = true
    for (const [key, child] of childrenOf(node)) {
      if (typeof child !== 'object' || child === null || sizes.has(child)) continue
      const childPath = node instanceof TaggedValue ? path : [...path, key]
      if (onPath.has(child)) fail('an alias refers to a value that contains it (a cycle)', childPath.slice(1))
      stack.push({ node: child, path: childPath, done: false })
    }
  }
  return tagged
}

/** Sections whose items are combined by identity across files (merge.ts mergeIdentities). */
const IDENTITY_SECTIONS = ['links', 'bridges']

export const untag = (v: unknown): unknown => (v instanceof TaggedValue ? v.value : v)

/**
 * Compose's tags in an x-network document: kept on its top-level keys and
 * on the keys of section items (merging across files gives them their
 * meaning); deeper down, `!override X` is X and `!reset` drops the entry.
 */
export function resolveTags(doc: Record<string, unknown>, sections: readonly string[]): Record<string, unknown> {
  const plain = (v: unknown): unknown => {
    v = untag(v)
    if (Array.isArray(v)) return v.filter((x) => !isReset(x)).map(plain)
    if (typeof v !== 'object' || v === null || v instanceof Date) return v
    return Object.fromEntries(Object.entries(v).filter(([, x]) => !isReset(x)).map(([k, x]) => [k, plain(x)]))
  }
  // a key of a section item keeps its tag: `!reset` drops it, `!override` replaces a list instead of concatenating
  const keyTagged = (x: unknown): unknown => (isReset(x) ? x : isOverride(x) ? new TaggedValue(x.tag, plain(x.value)) : plain(x))
  const item = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || v instanceof TaggedValue || v instanceof Date) return plain(v)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, keyTagged(x)]))
  }
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(doc)) {
    const tag = value instanceof TaggedValue ? value.tag : undefined
    const inner = untag(value)
    const merged = IDENTITY_SECTIONS.includes(key)
    const resolved = sections.includes(key) && Array.isArray(inner) ? inner.filter((x) => !isReset(x)).map(merged ? item : plain) : plain(inner)
    Object.defineProperty(out, key, { value: tag === undefined ? resolved : new TaggedValue(tag, resolved), enumerable: true, writable: true, configurable: true })
  }
  return out
}

// The mode dependency resolver of mdc: from requested modes and each mode's
// `deps`, the smallest set of modes that satisfies every dependency, in an
// order where dependencies come before their dependents.
//
// deps syntax (separated by spaces, commas or newlines, `#` starts a comment):
//   a      requires a
//   a|b    requires at least one of a or b
//   +a     order-only: if a is in the result it comes first; does not pull a in
import { ConlinkError } from '../errors.js'

export interface ModeDeps {
  /** Each entry is one requirement: one mode, or alternatives `a|b` (at least one). */
  requires: string[][]
  /** Order-only dependencies (`+a`). */
  after: string[]
}

export interface ModeInfo {
  name: string
  /** The mode's directory; a mode without one resolves to itself. */
  dir?: string
  /** Where the deps came from (for error messages). */
  depsFile?: string
  deps: ModeDeps
}

/** Mode name -> its info; a name missing here is a mode without a directory. */
export type ModeGraph = ReadonlyMap<string, ModeInfo>

export function parseDeps(text: string): ModeDeps {
  const deps: ModeDeps = { requires: [], after: [] }
  const words = text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join(' ')
    .split(/[\s,]+/)
    .filter(Boolean)
  for (const word of words) {
    if (word.startsWith('+')) {
      if (word.length > 1) deps.after.push(word.slice(1))
    } else {
      const alts = word.split('|').filter(Boolean)
      if (alts.length) deps.requires.push(alts)
    }
  }
  return deps
}

/** Split a MODES argument: comma or space separated. */
export function splitModes(modes: string): string[] {
  return modes.split(/[\s,]+/).filter(Boolean)
}

const NO_DEPS: ModeDeps = { requires: [], after: [] }

function depsOf(graph: ModeGraph, mode: string): ModeDeps {
  return graph.get(mode)?.deps ?? NO_DEPS
}

/** Every mode a requested mode can reach through its deps (order-only aside) must exist. */
function checkKnown(requested: string[], graph: ModeGraph): void {
  const seen = new Set<string>()
  const stack = [...requested]
  while (stack.length) {
    const mode = stack.pop()!
    if (seen.has(mode)) continue
    seen.add(mode)
    const info = graph.get(mode)
    if (!info) continue
    for (const name of info.deps.requires.flat()) {
      if (!graph.has(name)) {
        throw new ConlinkError(`mode '${mode}' depends on unknown mode '${name}'`, {
          place: { file: info.depsFile },
          hint: `create a mode directory '${name}' in MODES_DIR or remove it from the deps of '${mode}'`,
        })
      }
      stack.push(name)
    }
  }
}

/** Search bounds of the resolver: past them it fails naming the modes with alternatives. */
// counted, never timed: the same modes resolve (or fail) alike on a busy machine
export const RESOLVE_LIMITS = { steps: 200_000, work: 1_000_000, depth: 500 }

/** Up to `max` names, then how many more. */
export function someNames(names: readonly string[], max = 10): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`
}

/** Every mode reachable from `mode` through `next`, without recursion; `visit` is called per mode; results cached. */
function memoisedWalk(next: (mode: string) => string[], visit: () => void = () => {}, cache = new Map<string, string[]>()): (mode: string) => string[] {
  return (mode) => {
    let done = cache.get(mode)
    if (done) return done
    const seen = new Set<string>()
    const stack = [mode]
    while (stack.length) {
      const m = stack.pop()!
      if (seen.has(m)) continue
      seen.add(m)
      stack.push(...next(m))
      visit()
    }
    done = [...seen]
    cache.set(mode, done)
    return done
  }
}

/**
 * Smallest closed set containing `requested`: from the requested modes with
 * their hard (non-alternative) dependencies, each unsatisfied `a|b` group
 * tries its alternatives (each with its hard dependencies) in listed order.
 * What a state still costs depends only on its unsatisfied groups and on
 * which of the modes reachable from them it already holds, so that is the
 * memo key: states that differ only in settled history are solved once.
 * An alternative that adds as many modes as the best so far is not tried.
 * Ties go to the alternative listed first. Past RESOLVE_LIMITS it fails with
 * an error naming the modes whose alternatives are involved.
 */
function smallestSet(requested: string[], graph: ModeGraph): Set<string> {
  // the modes a mode needs for sure (single-choice deps), and every mode it may reach (any dep), each walked once
  const hardClosure = memoisedWalk((m) => depsOf(graph, m).requires.filter((req) => req.length === 1).map((req) => req[0]))
  const closureOf = (mode: string): string[] => hardClosure(mode)
  const extend = (set: Set<string>, mode: string): Set<string> => {
    const next = new Set(set)
    for (const m of closureOf(mode)) next.add(m)
    return next
  }
  const unsatisfied = (set: Set<string>): string[][] => {
    const groups: string[][] = []
    for (const m of set)
      for (const req of depsOf(graph, m).requires)
        if (req.length > 1 && !req.some((a) => set.has(a))) groups.push(req)
    return groups
  }
  const newModes = (set: Set<string>, alt: string) => closureOf(alt).filter((m) => !set.has(m))

  let start = new Set<string>()
  for (const m of requested) start = extend(start, m)
  const reachCache = new Map<string, string[]>()
  const reachOf = memoisedWalk(
    (m) => depsOf(graph, m).requires.flat(),
    () => {
      if ((work += 1) > RESOLVE_LIMITS.work) tooComplex(`more than ${RESOLVE_LIMITS.work} modes visited`)
    },
    reachCache,
  )

  let steps = 0
  let work = 0
  const tooComplex = (why: string): never => {
    // the modes the search looked at
    const involved = [...new Set([...start, ...reachCache.keys()])].filter((m) => depsOf(graph, m).requires.some((r) => r.length > 1)).sort()
    throw new ConlinkError(`mode dependencies too complex to resolve (${why}); alternatives \`a|b\` in the deps of: ${someNames(involved)}`, {
      place: { file: graph.get(involved[0])?.depsFile },
      hint: 'name the alternatives you want in MODES yourself, or use fewer `a|b` alternatives',
    })
  }
  const memo = new Map<string, { cost: number; alt?: string }>()
  const groupIds = new Map<string[], number>()
  const idOf = (g: string[]) => groupIds.get(g) ?? groupIds.set(g, groupIds.size).get(g)!
  const remaining = (set: Set<string>, depth: number): { cost: number; alt?: string } => {
    const groups = unsatisfied(set)
    if (groups.length === 0) return { cost: 0 }
    if (++steps > RESOLVE_LIMITS.steps) tooComplex(`more than ${RESOLVE_LIMITS.steps} steps`)
    if (depth > RESOLVE_LIMITS.depth) tooComplex(`a chain of more than ${RESOLVE_LIMITS.depth} alternatives`)
    const relevant = new Set<string>()
    for (const g of groups) {
      for (const alt of g) {
        const reach = reachOf(alt)
        if ((work += reach.length) > RESOLVE_LIMITS.work) tooComplex(`more than ${RESOLVE_LIMITS.work} modes visited`)
        for (const m of reach) if (set.has(m)) relevant.add(m)
      }
    }
    const key = `${[...new Set(groups.map(idOf))].sort((a, b) => a - b).join(',')}|${[...relevant].sort().join(',')}`
    const known = memo.get(key)
    if (known) return known
    let best: { cost: number; alt?: string } = { cost: Infinity }
    for (const alt of groups[0]) {
      const added = newModes(set, alt).length
      if (added >= best.cost) continue
      const cost = added + remaining(extend(set, alt), depth + 1).cost
      if (cost < best.cost) best = { cost, alt }
    }
    memo.set(key, best)
    return best
  }
  let set = start
  for (let step = remaining(set, 0); step.alt !== undefined; step = remaining(set, 0)) set = extend(set, step.alt)
  return set
}

/** Dependencies before dependents; requested order otherwise. No recursion: chains may be long. */
function order(requested: string[], set: Set<string>, graph: ModeGraph): string[] {
  const result: string[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const depsIn = (mode: string): string[] => {
    const deps = depsOf(graph, mode)
    return [...deps.requires.flat(), ...deps.after].filter((m) => set.has(m))
  }
  const visit = (root: string): void => {
    if (state.get(root) === 'done') return
    const path: { mode: string; next: string[] }[] = []
    const enter = (mode: string) => {
      state.set(mode, 'visiting')
      path.push({ mode, next: depsIn(mode).reverse() })
    }
    enter(root)
    while (path.length) {
      const top = path[path.length - 1]
      const dep = top.next.pop()
      if (dep === undefined) {
        path.pop()
        state.set(top.mode, 'done')
        result.push(top.mode)
        continue
      }
      const s = state.get(dep)
      if (s === 'done') continue
      if (s === 'visiting') {
        const modes = path.map((p) => p.mode)
        const cycle = [...modes.slice(modes.indexOf(dep)), dep]
        const shown = cycle.length <= 12 ? cycle.join(' -> ') : `${cycle.slice(0, 10).join(' -> ')} -> ... -> ${cycle.slice(-2).join(' -> ')} (${cycle.length - 1} modes)`
        throw new ConlinkError(`dependency cycle between modes: ${shown}`, {
          place: { file: graph.get(dep)?.depsFile },
          hint: 'remove one of these dependencies',
        })
      }
      enter(dep)
    }
  }
  for (const m of requested) visit(m)
  for (const m of [...set].sort()) visit(m)
  return result
}

/** Resolve requested modes against the graph (see the file comment). */
export function resolveModes(requested: string[], graph: ModeGraph): string[] {
  const unique = [...new Set(requested)]
  checkKnown(unique, graph)
  return order(unique, smallestSet(unique, graph), graph)
}

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

/**
 * Smallest closed set containing `requested`: branch and bound over the
 * unsatisfied alternatives. Each branch adds one alternative with its hard
 * (non-alternative) dependencies; a branch is cut when its size plus a lower
 * bound on what its unsatisfied alternatives still need reaches the best
 * found; states already seen are skipped. Ties go to the alternative listed first.
 */
function smallestSet(requested: string[], graph: ModeGraph): Set<string> {
  const hardClosure = new Map<string, string[]>()
  const closureOf = (mode: string): string[] => {
    let done = hardClosure.get(mode)
    if (done) return done
    const seen = new Set<string>()
    const stack = [mode]
    while (stack.length) {
      const m = stack.pop()!
      if (seen.has(m)) continue
      seen.add(m)
      for (const req of depsOf(graph, m).requires) if (req.length === 1) stack.push(req[0])
    }
    done = [...seen]
    hardClosure.set(mode, done)
    return done
  }
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
  // Groups whose alternatives' new modes share nothing with each other each
  // cost at least their cheapest alternative, and those costs add up.
  const lowerBound = (set: Set<string>, groups: string[][]): number => {
    const used = new Set<string>()
    let bound = 0
    for (const g of groups) {
      const news = g.map((alt) => closureOf(alt).filter((m) => !set.has(m)))
      if (news.some((n) => n.some((m) => used.has(m)))) continue
      news.forEach((n) => n.forEach((m) => used.add(m)))
      bound += Math.min(...news.map((n) => n.length))
    }
    return bound
  }

  let start = new Set<string>()
  for (const m of requested) start = extend(start, m)
  let best: Set<string> | undefined
  const seen = new Set<string>()
  const search = (set: Set<string>): void => {
    const key = [...set].sort().join(',')
    if (seen.has(key)) return
    seen.add(key)
    const groups = unsatisfied(set)
    if (best && set.size + lowerBound(set, groups) >= best.size) return
    if (groups.length === 0) {
      best = set
      return
    }
    for (const alt of groups[0]) search(extend(set, alt))
  }
  search(start)
  return best!
}

/** Dependencies before dependents; requested order otherwise. */
function order(requested: string[], set: Set<string>, graph: ModeGraph): string[] {
  const result: string[] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const path: string[] = []
  const visit = (mode: string): void => {
    const s = state.get(mode)
    if (s === 'done') return
    if (s === 'visiting') {
      const cycle = [...path.slice(path.indexOf(mode)), mode]
      throw new ConlinkError(`dependency cycle between modes: ${cycle.join(' -> ')}`, {
        place: { file: graph.get(mode)?.depsFile },
        hint: 'remove one of these dependencies',
      })
    }
    state.set(mode, 'visiting')
    path.push(mode)
    const deps = depsOf(graph, mode)
    for (const req of deps.requires) for (const m of req) if (set.has(m)) visit(m)
    for (const m of deps.after) if (set.has(m)) visit(m)
    path.pop()
    state.set(mode, 'done')
    result.push(mode)
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

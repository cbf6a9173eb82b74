// mdc's mode resolver on the shape that made the old search exponential
// (issue 12): 70 modes, 180 `a|b|c` alternatives, each mode needing one of a
// few modes a little further on. Pure computation, no engine needed.
import { parseDeps, resolveModes, type ModeGraph, type ModeInfo } from '../src/compose/resolve.js'

/** A seeded graph m0..m(modes-1); request m0. */
export function windowedAlternatives(seed: number, modes = 70, alternatives = 180): ModeGraph {
  let x = seed
  const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648
  const deps: string[][] = Array.from({ length: modes }, () => [])
  for (let placed = 0, round = 0; placed < alternatives; round++) {
    const i = round % (modes - 4)
    const alts = new Set<string>()
    for (const k = 2 + Math.floor(rnd() * 3); alts.size < k; ) alts.add(`m${Math.min(modes - 1, i + 1 + Math.floor(rnd() * 6))}`)
    deps[i].push([...alts].join('|'))
    placed += alts.size
  }
  const graph = new Map<string, ModeInfo>()
  deps.forEach((d, i) => graph.set(`m${i}`, { name: `m${i}`, dir: `modes/m${i}`, deps: parseDeps(d.join(' ')) }))
  return graph
}

/** Milliseconds per resolution, one run per seed 1..runs. */
export function measureResolve(runs: number): number[] {
  const times: number[] = []
  for (let seed = 1; seed <= runs; seed++) {
    const graph = windowedAlternatives(seed)
    const t0 = performance.now()
    resolveModes(['m0'], graph)
    times.push(performance.now() - t0)
  }
  return times
}

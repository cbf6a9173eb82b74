import assert from 'node:assert/strict'
import { test } from 'node:test'
import { windowedAlternatives } from '../../bench/resolve.js'
import { RESOLVE_LIMITS, parseDeps, resolveModes, splitModes, type ModeGraph, type ModeInfo } from '../../src/compose/resolve.js'

/** A graph from `{mode: 'deps text'}`; every mode has a directory. */
function graph(spec: Record<string, string>): ModeGraph {
  const g = new Map<string, ModeInfo>()
  for (const [name, deps] of Object.entries(spec)) {
    g.set(name, { name, dir: `modes/${name}`, depsFile: `modes/${name}/deps`, deps: parseDeps(deps) })
  }
  return g
}

test('parseDeps: spaces, commas, newlines, comments, alternatives, order-only', () => {
  assert.deepEqual(parseDeps('a, b # c d\n  e|f\n# g\n+h,i'), {
    requires: [['a'], ['b'], ['e', 'f'], ['i']],
    after: ['h'],
  })
  assert.deepEqual(splitModes('a,b c'), ['a', 'b', 'c'])
})

test('AND: dependencies come before dependents, transitively', () => {
  const g = graph({ base: '', node1: 'base', nodes2: 'base', web: 'base', all: 'node1 nodes2 web' })
  assert.deepEqual(resolveModes(['all'], g), ['base', 'node1', 'nodes2', 'web', 'all'])
  assert.deepEqual(resolveModes(['node1', 'nodes2'], g), ['base', 'node1', 'nodes2'])
})

test('alternatives: the resolution with the fewest modes wins', () => {
  // a|b: b needs two more modes, a none -> a.
  const g = graph({ top: 'b|a', a: '', b: 'c d', c: '', d: '' })
  assert.deepEqual(resolveModes(['top'], g), ['a', 'top'])
  // shared dependency: x already pulls in y, so y satisfies y|z for free.
  const g2 = graph({ top: 'x z|y', x: 'y', y: '', z: '' })
  assert.deepEqual(resolveModes(['top'], g2), ['y', 'x', 'top'])
})

test('alternatives: ties go to the alternative listed first', () => {
  const g = graph({ top: 'p|q', p: '', q: '' })
  assert.deepEqual(resolveModes(['top'], g), ['p', 'top'])
})

test('alternatives: an explicitly requested mode is honoured', () => {
  const g = graph({ top: 'p|q', p: '', q: '' })
  assert.deepEqual(resolveModes(['q', 'top'], g), ['q', 'top'])
  assert.deepEqual(resolveModes(['top', 'q'], g), ['q', 'top'])
})

test('order-only +a: orders but does not pull in', () => {
  const g = graph({ web: '+db', db: '', app: '' })
  assert.deepEqual(resolveModes(['web'], g), ['web'])
  assert.deepEqual(resolveModes(['web', 'db'], g), ['db', 'web'])
  // order-only on a mode that does not exist is fine
  assert.deepEqual(resolveModes(['app'], graph({ app: '+nowhere' })), ['app'])
})

test('cycle: an error naming the modes', () => {
  const g = graph({ a: 'b', b: 'c', c: 'a' })
  assert.throws(() => resolveModes(['a'], g), (e: Error) => /cycle/.test(e.message) && /a -> b -> c -> a/.test(e.message))
  const g2 = graph({ a: '+b', b: 'a' })
  assert.throws(() => resolveModes(['a', 'b'], g2), /cycle.*a.*b/)
})

test('modes without a directory resolve to themselves', () => {
  assert.deepEqual(resolveModes(['x', 'y'], new Map()), ['x', 'y'])
  assert.deepEqual(resolveModes(['x', 'base'], graph({ base: '' })), ['x', 'base'])
})

test('a deps file naming a missing mode: error naming both', () => {
  const g = graph({ node1: 'base nope' , base: '' })
  assert.throws(
    () => resolveModes(['node1'], g),
    (e: Error) => /'node1'/.test(e.message) && /'nope'/.test(e.message),
  )
  const g2 = graph({ node1: 'base|nope', base: '' })
  assert.throws(() => resolveModes(['node1'], g2), /nope/)
})

test('comments in deps', () => {
  const g = graph({ a: '# needs nothing but\nb # and not c\n#c', b: '', c: '' })
  assert.deepEqual(resolveModes(['a'], g), ['b', 'a'])
})

test('fast: 40 modes with 15 two-way alternatives', () => {
  const spec: Record<string, string> = {}
  // top needs 15 groups gI|hI; gI is a leaf, hI needs one more mode kI (so g wins);
  // plus a shared chain of 10 modes.
  const groups: string[] = []
  for (let i = 0; i < 15; i++) {
    spec[`g${i}`] = i % 2 ? 'chain0' : ''
    spec[`h${i}`] = `k${i % 5}`
    groups.push(i % 3 === 0 ? `h${i}|g${i}` : `g${i}|h${i}`)
  }
  for (let i = 0; i < 5; i++) spec[`k${i}`] = ''
  for (let i = 0; i < 4; i++) spec[`chain${i}`] = i < 3 ? `chain${i + 1}` : ''
  spec.top = groups.join(' ') + ' chain0'
  assert.equal(Object.keys(spec).length, 40)
  const t0 = performance.now()
  const result = resolveModes(['top'], graph(spec))
  const ms = performance.now() - t0
  assert.ok(ms < 500, `took ${ms.toFixed(0)} ms`)
  assert.equal(result.length, 1 + 15 + 4)
  for (let i = 0; i < 15; i++) assert.ok(result.includes(`g${i}`), `g${i} chosen`)
  assert.equal(result.at(-1), 'top')
})

test('fast: overlapping alternatives where the minimum needs search', () => {
  // 15 groups ai|s(i%3): choosing the three shared s modes satisfies all.
  const spec: Record<string, string> = { s0: '', s1: '', s2: '' }
  const groups: string[] = []
  for (let i = 0; i < 15; i++) {
    spec[`a${i}`] = ''
    groups.push(`a${i}|s${i % 3}`)
  }
  spec.top = groups.join(',')
  const t0 = performance.now()
  const result = resolveModes(['top'], graph(spec))
  assert.ok(performance.now() - t0 < 500)
  assert.deepEqual(result, ['s0', 's1', 's2', 'top'])
})

test('fast: 15 alternatives of equal cost, each with its own dependencies', () => {
  const spec: Record<string, string> = {}
  const groups: string[] = []
  for (let i = 0; i < 15; i++) {
    spec[`g${i}`] = `u${i}`
    spec[`u${i}`] = ''
    spec[`h${i}`] = `v${i}`
    spec[`v${i}`] = ''
    groups.push(`g${i}|h${i}`)
  }
  spec.top = groups.join(' ')
  const t0 = performance.now()
  const result = resolveModes(['top'], graph(spec))
  const ms = performance.now() - t0
  assert.ok(ms < 500, `took ${ms.toFixed(0)} ms`)
  assert.equal(result.length, 31)
  assert.ok(result.indexOf('u0') < result.indexOf('g0'))
})

test('bounded: 70 modes with 180 alternatives resolve in well under a second, minimal', () => {
  // sizes found by the old exhaustive search (seconds each)
  const minimal: Record<number, number> = { 1: 13, 2: 12, 3: 14, 4: 13 }
  for (const [seed, size] of Object.entries(minimal)) {
    const t0 = performance.now()
    const result = resolveModes(['m0'], windowedAlternatives(Number(seed)))
    const ms = performance.now() - t0
    assert.ok(ms < 1000, `seed ${seed} took ${ms.toFixed(0)} ms`)
    assert.equal(result.length, size, `seed ${seed}`)
    assert.equal(result.at(-1), 'm0')
  }
})

test('minimal: the same size as trying every subset, on small random graphs', () => {
  let x = 7
  const rnd = (n: number) => Math.floor(((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648) * n)
  for (let trial = 0; trial < 150; trial++) {
    const n = 4 + rnd(7)
    const spec: Record<string, string> = {}
    for (let i = 0; i < n; i++) {
      const words: string[] = []
      for (let k = rnd(3); k > 0; k--) {
        const alts = [...new Set(Array.from({ length: 1 + rnd(3) }, () => `n${i + 1 + rnd(n - i)}`))].filter((m) => m !== `n${n}`)
        if (alts.length) words.push(alts.join('|'))
      }
      spec[`n${i}`] = words.join(' ')
    }
    const g = graph(spec)
    const names = Object.keys(spec)
    let best = Infinity
    for (let mask = 0; mask < 1 << names.length; mask++) {
      const set = new Set(names.filter((_, i) => mask & (1 << i)))
      if (!set.has('n0') || set.size >= best) continue
      const ok = [...set].every((m) => g.get(m)!.deps.requires.every((req) => req.some((a) => set.has(a))))
      if (ok) best = set.size
    }
    assert.equal(resolveModes(['n0'], g).length, best, JSON.stringify(spec))
  }
})

test('no stack overflow: a chain of 20,000 modes resolves; a chain of 20,000 alternatives is a clear error', () => {
  const chain: Record<string, string> = {}
  for (let i = 0; i < 20_000; i++) chain[`c${i}`] = i < 19_999 ? `c${i + 1}` : ''
  const result = resolveModes(['c0'], graph(chain))
  assert.equal(result.length, 20_000)
  assert.deepEqual([result[0], result.at(-1)], ['c19999', 'c0'])
  const alts: Record<string, string> = { leaf: '' }
  for (let i = 0; i < 20_000; i++) alts[`a${i}`] = i < 19_999 ? `a${i + 1}|x${i}` : ''
  for (let i = 0; i < 20_000; i++) alts[`x${i}`] = `a${Math.min(i + 2, 19_999)}`
  assert.throws(() => resolveModes(['a0'], graph(alts)), (e: Error) => {
    assert.match(e.message, /mode dependencies too complex to resolve \(.*\); alternatives `a\|b` in the deps of: a0, a1, a2, /)
    assert.doesNotMatch(e.message, /call stack/)
    return true
  })
})

test('a cycle of 5,000 modes: an error naming the cycle, shortened', () => {
  const spec: Record<string, string> = {}
  for (let i = 0; i < 5_000; i++) spec[`y${i}`] = `y${(i + 1) % 5_000}`
  assert.throws(() => resolveModes(['y0'], graph(spec)), (e: Error) => {
    assert.match(e.message, /^dependency cycle between modes: y0 -> y1 -> .* -> y9 -> \.\.\. -> y4999 -> y0 \(5000 modes\)$/)
    return true
  })
})

test('the step bound fails naming the modes with alternatives', () => {
  const saved = { ...RESOLVE_LIMITS }
  RESOLVE_LIMITS.steps = 10
  try {
    assert.throws(() => resolveModes(['m0'], windowedAlternatives(3)), /too complex to resolve \(more than 10 steps\); alternatives `a\|b` in the deps of: m0, m10, /)
  } finally {
    Object.assign(RESOLVE_LIMITS, saved)
  }
})

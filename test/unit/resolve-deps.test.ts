import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseDeps, resolveModes, splitModes, type ModeGraph, type ModeInfo } from '../../src/compose/resolve.js'

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

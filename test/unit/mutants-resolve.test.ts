// Resolver cases that mutation testing showed untested (see docs/testing.md).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RESOLVE_LIMITS, parseDeps, resolveModes, someNames, splitModes, type ModeGraph, type ModeInfo } from '../../src/compose/resolve.js'
import { isConlinkError } from '../../src/errors.js'

function graph(spec: Record<string, string>): ModeGraph {
  return new Map(Object.entries(spec).map(([name, deps]): [string, ModeInfo] => [name, { name, dir: `modes/${name}`, depsFile: `modes/${name}/deps`, deps: parseDeps(deps) }]))
}

test('parseDeps: a lone `+` or `|` and empty alternatives add nothing', () => {
  assert.deepEqual(parseDeps('+ | a||b |c| ||'), { requires: [['a', 'b'], ['c']], after: [] })
  assert.deepEqual(parseDeps(''), { requires: [], after: [] })
})

test('splitModes: empty entries between separators are dropped', () => {
  assert.deepEqual(splitModes(' a,,b  c, '), ['a', 'b', 'c'])
  assert.deepEqual(splitModes(''), [])
})

test('unknown mode: the error names the deps file and says how to fix it', () => {
  assert.throws(() => resolveModes(['node1'], graph({ node1: 'base nope', base: '' })), (e: unknown) => {
    assert.ok(isConlinkError(e))
    assert.equal(e.message, "mode 'node1' depends on unknown mode 'nope'")
    assert.deepEqual(e.place, { file: 'modes/node1/deps' })
    assert.equal(e.hint, "create a mode directory 'nope' in MODES_DIR or remove it from the deps of 'node1'")
    return true
  })
})

test('a cycle is reported from where it starts, with the deps file and a hint', () => {
  assert.throws(() => resolveModes(['a'], graph({ a: 'b', b: 'c', c: 'b' })), (e: unknown) => {
    assert.ok(isConlinkError(e))
    assert.equal(e.message, 'dependency cycle between modes: b -> c -> b')
    assert.deepEqual(e.place, { file: 'modes/b/deps' })
    assert.equal(e.hint, 'remove one of these dependencies')
    return true
  })
})

test('alternatives: each group is satisfied by the cheapest choice, even when groups share modes', () => {
  // top needs (p|q) and (q|r): q alone satisfies both
  assert.deepEqual(resolveModes(['top'], graph({ top: 'p|q q|r', p: '', q: '', r: '' })), ['q', 'top'])
  // p is cheap but pulls x, y; q pulls only z, which r|z also needs
  assert.deepEqual(resolveModes(['top'], graph({ top: 'p|q r|z', p: 'x y', q: 'z', r: '', x: '', y: '', z: '' })), ['z', 'q', 'top'])
})

test('someNames: up to max names, then how many more', () => {
  assert.equal(someNames(['a', 'b', 'c'], 3), 'a, b, c')
  assert.equal(someNames(['a', 'b', 'c', 'd', 'e'], 3), 'a, b, c and 2 more')
  assert.equal(someNames(Array.from({ length: 10 }, (_, i) => `m${i}`)), 'm0, m1, m2, m3, m4, m5, m6, m7, m8, m9')
  assert.equal(someNames(Array.from({ length: 11 }, (_, i) => `m${i}`)), 'm0, m1, m2, m3, m4, m5, m6, m7, m8, m9 and 1 more')
})

/** Run `fn` with some search bounds lowered. */
function withLimits<T>(limits: Partial<typeof RESOLVE_LIMITS>, fn: () => T): T {
  const saved = { ...RESOLVE_LIMITS }
  Object.assign(RESOLVE_LIMITS, limits)
  try {
    return fn()
  } finally {
    Object.assign(RESOLVE_LIMITS, saved)
  }
}

/** The too-complex error: its message, the deps file of the first mode named, the hint. */
function tooComplex(why: string, modes: string, file: string) {
  return (e: unknown) => {
    assert.ok(isConlinkError(e))
    assert.equal(e.message, `mode dependencies too complex to resolve (${why}); alternatives \`a|b\` in the deps of: ${modes}`)
    assert.deepEqual(e.place, { file })
    assert.equal(e.hint, 'name the alternatives you want in MODES yourself, or use fewer `a|b` alternatives')
    return true
  }
}

// top needs a|b; a pulls c. One search step (top's group); the modes it visits:
// a and c walking a's deps (2), adding that reach (2), then b (1) and its reach (1): 6.
const small = () => graph({ top: 'a|b', a: 'c', b: '', c: '' })

test('the bounds are limits, not counts to reach: at exactly the bound it resolves', () => {
  assert.deepEqual(withLimits({ steps: 1 }, () => resolveModes(['top'], small())), ['b', 'top'])
  assert.deepEqual(withLimits({ work: 6 }, () => resolveModes(['top'], small())), ['b', 'top'])
})

test('the work bound counts every mode a walk visits and every reach it adds', () => {
  // past 1 inside the walk from a; past 3 when a's reach (2) is added after its walk (2)
  assert.throws(() => withLimits({ work: 1 }, () => resolveModes(['top'], small())), tooComplex('more than 1 modes visited', 'top', 'modes/top/deps'))
  // the modes looked at are top and a; only top has alternatives
  assert.throws(() => withLimits({ work: 3 }, () => resolveModes(['top'], small())), tooComplex('more than 3 modes visited', 'top', 'modes/top/deps'))
})

test('the depth bound counts alternatives chosen one inside another', () => {
  // choosing a (or b) leaves x|y: a chain of 1
  const nested = () => graph({ top: 'a|b', a: 'x|y', b: 'x|y', x: '', y: '' })
  assert.deepEqual(withLimits({ depth: 1 }, () => resolveModes(['top'], nested())), ['x', 'a', 'top'])
  assert.throws(() => withLimits({ depth: 0 }, () => resolveModes(['top'], nested())), tooComplex('a chain of more than 0 alternatives', 'a, b, top', 'modes/a/deps'))
})

test('an alternative adding as many modes as the best so far is not searched (it cannot be better)', () => {
  // a costs 1; b costs 1 too, and searching it would take a second step (its c|d)
  assert.deepEqual(withLimits({ steps: 1 }, () => resolveModes(['top'], graph({ top: 'a|b', a: '', b: 'c|d', c: '', d: '' }))), ['a', 'top'])
})

test('the memo key tells apart states holding different modes that the open alternatives reach', () => {
  // after u, w|z is open holding a, bc (z reaches them); after v, it is open holding ab, c (w reaches them):
  // the same open group, different costs (3 after u, 1 after v). Smallest: v and w, 5 modes.
  const g = graph({ top: 'u|v w|z', u: 'a bc', v: 'ab c', w: 'ab c', z: 'a bc g h', a: '', bc: '', ab: '', c: '', g: '', h: '' })
  assert.deepEqual(resolveModes(['top'], g), ['ab', 'c', 'v', 'w', 'top'])
})

test('the memo key tells apart open groups 1 and 2 from open group 12', () => {
  // top's groups get ids 0-2 (x|y, p1|q1, p2|q2), y's ten groups 3-12. After x (13 modes), p1|q1 and
  // p2|q2 are open and cost 2: 15 in all. After y (with p1 p2: 3) and r (r s4..s11: 9) only group 12
  // (s12|t12) is open and costs 1: 14 in all, the smallest (s3 instead of r ties; r is listed first).
  const spec: Record<string, string> = {
    top: 'x|y p1|q1 p2|q2',
    x: Array.from({ length: 12 }, (_, i) => `e${i + 1}`).join(' '),
    y: ['p1', 'p2', 'r|s3', ...Array.from({ length: 9 }, (_, i) => `s${i + 4}|t${i + 4}`)].join(' '),
    r: Array.from({ length: 8 }, (_, i) => `s${i + 4}`).join(' '),
  }
  for (const m of ['p1', 'q1', 'p2', 'q2', 's3', ...Array.from({ length: 12 }, (_, i) => `e${i + 1}`), ...Array.from({ length: 9 }, (_, i) => [`s${i + 4}`, `t${i + 4}`]).flat()])
    spec[m] = ''
  assert.deepEqual(resolveModes(['top'], graph(spec)).sort(), ['p1', 'p2', 'r', 's10', 's11', 's12', 's4', 's5', 's6', 's7', 's8', 's9', 'top', 'y'])
})

test('the too-complex error names a mode whose deps mix single modes and alternatives', () => {
  const g = graph({ top: 'base a|b', base: '', a: '', b: '' })
  assert.throws(() => withLimits({ steps: 0 }, () => resolveModes(['top'], g)), tooComplex('more than 0 steps', 'top', 'modes/top/deps'))
})

// Resolver cases that mutation testing showed untested (see docs/testing.md).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseDeps, resolveModes, splitModes, type ModeGraph, type ModeInfo } from '../../src/compose/resolve.js'
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

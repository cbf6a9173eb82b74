import { test } from 'node:test'
import assert from 'node:assert/strict'
import { interpolateString, interpolateMerged, type InterpolationResult } from '../../src/config/interpolate.js'
import { mergePieces } from '../../src/config/merge.js'
import { loadNet, rejectsWith } from './config-helpers.js'

const where = { file: 'f.yaml', path: 'links[0].container' }
function interp(s: string, env: Record<string, string>) {
  const out: InterpolationResult = { warnings: [], errors: [] }
  return { value: interpolateString(s, env, where, out), ...out }
}

test('compose forms', () => {
  const env = { A: 'a', E: '' }
  const cases: [string, string][] = [
    ['$A', 'a'],
    ['${A}', 'a'],
    ['x${A}y$A.z', 'xay' + 'a.z'],
    ['${A:-d}', 'a'],
    ['${E:-d}', 'd'],
    ['${U:-d}', 'd'],
    ['${E-d}', ''],
    ['${U-d}', 'd'],
    ['${A:+alt}', 'alt'],
    ['${E:+alt}', ''],
    ['${U+alt}', ''],
    ['${U:-${A}-suf}', 'a-suf'],
    ['$$A', '$A'],
    ['cost $$5', 'cost $5'],
    ['no vars', 'no vars'],
    ['${A:?msg}', 'a'],
  ]
  for (const [input, expected] of cases) {
    const r = interp(input, env)
    assert.equal(r.value, expected, input)
    assert.deepEqual(r.errors, [], input)
    assert.deepEqual(r.warnings, [], input)
  }
})

test('unset bare variables warn, naming the variable, file and path', () => {
  for (const s of ['$NODE_NAME_1', '${NODE_NAME_1}']) {
    const r = interp(s, {})
    assert.equal(r.value, '')
    assert.equal(r.warnings.length, 1)
    assert.match(r.warnings[0], /f\.yaml: links\[0\]\.container: variable NODE_NAME_1 is not set/)
  }
})

test('? forms are errors with the message, file and path', () => {
  for (const [s, env] of [['${X:?must set}', {}], ['${X:?must set}', { X: '' }], ['${X?must set}', {}]] as const) {
    const r = interp(s, env)
    assert.equal(r.errors.length, 1, s)
    assert.match(r.errors[0].describe(), /^f\.yaml: links\[0\]\.container: must set/)
  }
  assert.deepEqual(interp('${X?must set}', { X: '' }).errors, [])
})

test('invalid syntax is an error', () => {
  assert.equal(interp('${A', {}).errors.length, 1)
  assert.equal(interp('${1A}', {}).errors.length, 1)
  assert.equal(interp('${A!x}', {}).errors.length, 1)
})

test('interpolateMerged walks every string with its path; env is a parameter', () => {
  const merged = mergePieces([{ file: 'n.yaml', prefix: '', doc: { links: [{ container: '$C', route: ['a', '${R}'], mtu: 5 }] } }])
  const r = interpolateMerged(merged, { C: 'c1' })
  assert.deepEqual(r.merged.links[0].value, { container: 'c1', route: ['a', ''], mtu: 5 })
  assert.deepEqual(r.warnings, ['n.yaml: links[0].route[1]: variable R is not set, using an empty string'])
})

test('${MISSING:?must set} through loadNetworkConfig names file and path', async () => {
  const { file, result } = loadNet('links:\n  - {container: "${MISSING:?must set}", bridge: s1}\n')
  await rejectsWith(result, `${file}: links[0].container: must set`)
})

test('interpolated numbers are accepted for mtu and vni (vlanid: gaps.test.ts)', async () => {
  const { result } = loadNet('links:\n  - {container: c, bridge: s1, mtu: "${MTU}"}\ntunnels:\n  - {type: vxlan, bridge: s1, remote: 10.1.1.1, vni: "${VNI:-5}"}\n', { env: { MTU: '1400' } })
  const { config } = await result
  assert.equal(config.containers.c.links[0].mtu, 1400)
  assert.equal(config.tunnels[0].vni, 5)
})

// Link kinds and bridge kinds: the facts agree with the planners, and patch
// membership is state of the network context it was joined in.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LINK_TYPES, type LinkSpec } from '../../src/config/types.js'
import { BRIDGE_KINDS, joinBridge, leaveBridge } from '../../src/net/bridges.js'
import type { NetContext } from '../../src/net/context.js'
import { BRIDGE_FACTS, FEATURES, LINK_FACTS, linkFeatures, outerDevName } from '../../src/net/links/facts.js'
import { LINK_KINDS } from '../../src/net/links/index.js'

const spec = (over: Partial<LinkSpec>): LinkSpec => ({
  type: 'veth', dev: 'eth0', route: [], netem: [], forward: [], ethtool: [], base: 'conlink', origin: { file: 'f', path: 'links[0]' }, ...over,
})

test('every link kind plans with its own facts; an outer end means the network container', () => {
  for (const type of LINK_TYPES) {
    const facts = LINK_FACTS[type]
    assert.equal(LINK_KINDS[type].facts, facts, type)
    assert.ok(FEATURES.includes(facts.feature), type)
    assert.equal(facts.hasOuterEnd, facts.base === 'conlink', type)
  }
  assert.deepEqual(Object.keys(BRIDGE_KINDS).sort(), Object.keys(BRIDGE_FACTS).sort())
})

test('kernel features: the kind, netem, then the bridge mode of an outer end', () => {
  assert.deepEqual(linkFeatures(spec({ netem: ['delay 1ms'] }), 'patch'), ['veth', 'netem', 'mirred'])
  assert.deepEqual(linkFeatures(spec({}), 'ovs'), ['veth', 'openvswitch'])
  assert.deepEqual(linkFeatures(spec({}), 'linux'), ['veth'])
  assert.deepEqual(linkFeatures(spec({ type: 'macvlan', base: 'host' }), 'patch'), ['macvlan'])
})

test('outer names: long ones are shortened with the container id, kept whole without one (drawings)', () => {
  const long = spec({ service: 'averylongservice' })
  assert.equal(outerDevName(long, { index: 1, name: 'x', id: 'abcdef0123' }), 'cabcdef01-eth0')
  assert.equal(outerDevName(long, { index: 1, name: 'x' }), 'averylongservice_1-eth0')
  assert.equal(outerDevName(spec({ type: 'dummy', base: 'local', service: 's' }), { index: 1, name: 'x' }), undefined)
})

test('patch members belong to the context they joined', () => {
  const ctx = (): NetContext => ({ bridges: {}, capabilities: Object.fromEntries(FEATURES.map((f) => [f, true])) as NetContext['capabilities'] })
  const p1 = { bridge: 'p1', mode: 'patch' as const, 'resolved-mode': 'patch' as const }
  const [a, b] = [ctx(), ctx()]
  assert.deepEqual(joinBridge(a, p1, 'x', 'o'), [])
  assert.deepEqual(joinBridge(b, p1, 'y', 'o'), [], 'another context: y is the first member there')
  assert.equal(joinBridge(a, p1, 'y', 'o').length, 4)
  assert.deepEqual(a.patchMembers?.get('p1'), ['x', 'y'])
  assert.equal(leaveBridge(a, p1, 'x', 'o').length, 1)
  assert.deepEqual(joinBridge(a, { ...p1, 'resolved-mode': 'linux' }, 'z', 'o'), [], 'a linux bridge keeps no members')
})

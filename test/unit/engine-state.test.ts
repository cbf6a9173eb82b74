// Readiness: "All links connected" only when every link exists; otherwise a
// count and the missing links with their reasons.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ContainerInfo, LinkInstance, LinkSpec } from '../../src/config/types.js'
import { WiringState, describeSummary, shortReason } from '../../src/engine/state.js'
import { missingFeature } from '../../src/net/capabilities.js'
import { describeError } from '../../src/errors.js'

const spec = (service: string, dev: string): LinkSpec => ({
  type: 'veth', service, dev, bridge: 's1', route: [], netem: [], forward: [], ethtool: [], base: 'conlink', origin: { file: 'f', path: 'links[0]' },
})
const info = (service: string, index: number): ContainerInfo => ({ id: `${service}${index}`, name: `p_${service}_${index}`, pid: 100 + index, service, project: 'p', index })
const inst = (link: LinkSpec, c: ContainerInfo): LinkInstance => ({ link, container: c, dev: link.dev, forward: [] })

test('summary: counts instances; names failed, pending and unseen links with reasons', () => {
  const nodeEth0 = spec('node', 'eth0')
  const internetEth0 = spec('internet', 'eth0')
  const internetI0 = spec('internet', 'i0')
  const state = new WiringState(new Set(['node:eth0', 'internet:eth0', 'internet:i0', 'router:eth0']))
  const n1 = info('node', 1), n2 = info('node', 2), i1 = info('internet', 1)
  state.set(n1.id, { info: n1, instances: [inst(nodeEth0, n1)], status: 'connected' })
  state.set(n2.id, { info: n2, instances: [inst(nodeEth0, n2)], status: 'pending' })
  state.set(i1.id, { info: i1, instances: [inst(internetEth0, i1), inst(internetI0, i1)], status: 'failed', reason: 'kernel lacks dummy' })
  const s = state.summary()
  assert.equal(s.connected, 1)
  assert.equal(s.total, 5)
  assert.equal(
    describeSummary(s),
    'Links connected: 1 of 5; waiting for or failed: node_2:eth0 (waiting), internet_1:eth0 (kernel lacks dummy), internet_1:i0 (kernel lacks dummy), router:eth0 (no container yet)',
  )
  assert.equal(state.allConnected(), false)
  assert.equal(state.shouldAnnounce(), false)
})

test('summary: a long list is cut after ten names', () => {
  const keys = Array.from({ length: 13 }, (_, i) => `s${i}:eth0`)
  const text = describeSummary(new WiringState(new Set(keys)).summary())
  assert.match(text, /^Links connected: 0 of 13; waiting for or failed: s0:eth0 \(no container yet\), .* and 3 more$/)
})

test('shortReason: missing kernel features in three words, else the first line', () => {
  const err = missingFeature('dummy', 'service internet:i0 (dummy)', { file: 'c.yaml', path: 'links[1]' })
  assert.equal(shortReason(describeError(err)), 'kernel lacks dummy')
  assert.equal(shortReason('RTNETLINK answers: File exists\nmore'), 'RTNETLINK answers: File exists')
  assert.equal(shortReason('x'.repeat(300)).length, 120)
})

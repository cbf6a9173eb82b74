import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ContainerInfo, LinkSpec, NetworkConfig } from '../../src/config/types.js'
import { configuredLinkKeys, matchContainer } from '../../src/engine/match.js'
import { WiringState } from '../../src/engine/state.js'

const origin = { file: 'compose.yaml', path: 'links[0]' }
const link = (owner: Partial<LinkSpec>, dev = 'eth0'): LinkSpec => ({
  type: 'veth', dev, bridge: 's1', route: [], netem: [], forward: [], ethtool: [], base: 'conlink', origin, ...owner,
})
const config: NetworkConfig = {
  bridges: {},
  tunnels: [],
  services: { node: { links: [link({ service: 'node' })], commands: [{ service: 'node', command: 'true', origin }] } },
  containers: { solo: { links: [link({ container: 'solo' }, 'ext')], commands: [] } },
}
const container = (over: Partial<ContainerInfo>): ContainerInfo => ({ id: 'x', name: 'x', pid: 1, index: 1, ...over })

test('service links match only the same compose project and working dir', () => {
  const node = container({ service: 'node', project: 'p1', workingDir: '/w' })
  assert.equal(matchContainer(config, node, { project: 'p1', workingDir: '/w' })?.links.length, 1)
  assert.equal(matchContainer(config, node, { project: 'p2' }), undefined)
  assert.equal(matchContainer(config, node, { project: 'p1', workingDir: '/other' }), undefined)
  assert.equal(matchContainer(config, node, {})?.commands.length, 1)
})

test('container links match by full name, in any project', () => {
  assert.equal(matchContainer(config, container({ name: 'solo' }), { project: 'p1' })?.links[0].dev, 'ext')
  assert.equal(matchContainer(config, container({ name: 'other' }), {}), undefined)
})

test('all connected needs every configured link and nothing pending or failed', () => {
  const state = new WiringState(configuredLinkKeys(config))
  const node = container({ id: 'n1', service: 'node' })
  state.set('n1', { info: node, instances: [{ link: config.services.node.links[0], container: node, dev: 'eth0', forward: [] }], status: 'connected' })
  assert.deepEqual(state.missingLinks(), ['solo:ext'])
  assert.equal(state.shouldAnnounce(), false)
  const solo = container({ id: 's1', name: 'solo' })
  state.set('s1', { info: solo, instances: [{ link: config.containers.solo.links[0], container: solo, dev: 'ext', forward: [] }], status: 'pending' })
  assert.equal(state.allConnected(), false)
  state.set('s1', { ...state.containers.get('s1')!, status: 'connected' })
  assert.equal(state.shouldAnnounce(), true)
  assert.equal(state.shouldAnnounce(), false, 'announced once')
})

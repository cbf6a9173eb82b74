// Cases that planted bugs survived before (issue 18): each pins one behaviour.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { interpolateString, type InterpolationResult } from '../../src/config/interpolate.js'
import { instantiateLink, outerDevName } from '../../src/config/replica.js'
import type { ContainerInfo, LinkSpec } from '../../src/config/types.js'
import { planForwards } from '../../src/net/forward.js'
import { describeOp } from '../../src/net/ops.js'
import { loadNet, rejectsWith, writeTemp } from './config-helpers.js'

const where = { file: 'f.yaml', path: 'links[0].container' }
function expand(s: string, env: Record<string, string | undefined>) {
  const out: InterpolationResult = { warnings: [], errors: [] }
  const value = interpolateString(s, env, where, out)
  return { value, warnings: out.warnings, errors: out.errors.map((e) => e.message) }
}

test('${E+alt} and ${E:+alt}: set-but-empty counts as set only without the colon', () => {
  assert.deepEqual(expand('a${E+alt}b', { E: '' }), { value: 'aaltb', warnings: [], errors: [] })
  assert.deepEqual(expand('a${E:+alt}b', { E: '' }), { value: 'ab', warnings: [], errors: [] })
  assert.deepEqual(expand('a${E+alt}b', {}), { value: 'ab', warnings: [], errors: [] })
  assert.deepEqual(expand('a${E:+alt}b', { E: 'x' }), { value: 'aaltb', warnings: [], errors: [] })
  assert.deepEqual(expand('${E-dflt}|${E:-dflt}', { E: '' }), { value: '|dflt', warnings: [], errors: [] })
})

test('${X:?} and ${X?}: with and without a message, unset and empty', () => {
  assert.deepEqual(expand('${X:?}', {}).errors, ['variable X is required (variable X is not set)'])
  assert.deepEqual(expand('${X:?}', { X: '' }).errors, ['variable X is required (variable X is empty)'])
  assert.deepEqual(expand('${X:?set X to the node name}', {}).errors, ['set X to the node name (variable X is not set)'])
  assert.deepEqual(expand('${X?}', {}).errors, ['variable X is required (variable X is not set)'])
  assert.deepEqual(expand('${X?}', { X: '' }), { value: '', warnings: [], errors: [] }, 'set but empty is fine without the colon')
  assert.deepEqual(expand('${X?boom}', { X: 'v' }), { value: 'v', warnings: [], errors: [] })
  assert.deepEqual(expand('${X:?${Y}}', { Y: 'from Y' }).errors, ['from Y (variable X is not set)'], 'the message is interpolated')
})

test('vlanid through a variable becomes the number', async () => {
  const { config } = await loadNet('links:\n  - {service: a, type: vlan, dev: v5, outer-dev: eth0, vlanid: "${VID}"}\n', { env: { VID: '7' } }).result
  assert.equal(config.services.a.links[0].vlanid, 7)
  const bad = loadNet('links:\n  - {service: a, type: vlan, dev: v5, outer-dev: eth0, vlanid: "${VID}"}\n', { env: { VID: 'x7' } })
  await rejectsWith(bad.result, `${bad.file}: links[0].vlanid`, 'must be integer')
})

test('a link defined in several places sits where it was first defined, with the later values', async () => {
  const compose = writeTemp('pos-compose.yaml', [
    'x-network:',
    '  links:',
    '    - {service: node, dev: eth1, bridge: s2}',
    '    - {service: node, bridge: s1, mtu: 1400}',
    'services:',
    '  node:',
    '    x-network:',
    '      links:',
    '        - {dev: eth2, bridge: s3}',
    '        - {bridge: s1, ip: 10.0.0.1/24}',
    '',
  ].join('\n'))
  const { config } = await loadNet('links:\n  - {service: node, dev: eth1, mtu: 1300}\n  - {service: node, dev: eth3, bridge: s3}\n', { composeFiles: [compose] }).result
  const links = config.services.node.links
  assert.deepEqual(links.map((l) => l.dev), ['eth1', 'eth0', 'eth2', 'eth3'])
  assert.deepEqual([links[0].mtu, links[1].mtu, links[1].ip], [1300, 1400, '10.0.0.1/24'])
})

const link = (over: Partial<LinkSpec> = {}): LinkSpec => ({
  type: 'veth', service: 'node', dev: 'eth0', bridge: 's1', route: [], netem: [], forward: [], ethtool: [], base: 'conlink',
  origin: { file: 'f', path: 'links[0]' }, ...over,
})
const container = (over: Partial<ContainerInfo> = {}): ContainerInfo => ({ id: 'abcdef0123456789'.repeat(4), name: 'p_node_1', pid: 42, project: 'p', service: 'node', index: 1, ...over })

test('outer names of exactly 15 characters are kept; 16 are shortened', () => {
  assert.equal(outerDevName(link({ service: 'abcdefgh' }), container()), 'abcdefgh_1-eth0')
  assert.equal(outerDevName(link({ service: 'abcdefghi' }), container()), 'cabcdef01-eth0')
  assert.equal(outerDevName(link({ service: 'abcdefg' }), container({ index: 12 })), 'abcdefg_12-eth0')
  assert.equal(outerDevName(link({ service: undefined, container: 'box45678ab' }), container({ name: 'box45678ab' })), 'box45678ab-eth0')
  assert.equal(outerDevName(link({ service: undefined, container: 'box45678abc' }), container({ name: 'box45678abc' })), 'cabcdef01-eth0')
  assert.equal(outerDevName(link({ service: 'abcdefghi', dev: 'ext-intf' }), container()), 'cabcdef01-1a14e') // a dev over 5 characters: 5 hex of a hash of it, so ext-intf1 and ext-intf2 differ
})

test('forward offsets move the conlink port only; the container port stays', () => {
  const l = link({ ip: '10.0.1.1/24', forward: [{ 'conlink-port': 1080, port: 80, proto: 'tcp' }, { 'conlink-port': 5353, port: 53, proto: 'udp' }] })
  const inst = instantiateLink(l, container({ index: 3, name: 'p_node_3' }))
  assert.deepEqual(inst.forward, [{ 'conlink-port': 1082, port: 80, proto: 'tcp' }, { 'conlink-port': 5355, port: 53, proto: 'udp' }])
  const ops = planForwards(inst, { capabilities: {} as never, bridges: {}, conlinkPid: 7, dockerEth0: { ip: '172.17.0.2/16' } }, 's1').map(describeOp)
  assert.deepEqual(ops, [
    '[network] ip route replace 10.0.1.3/32 dev s1',
    '[network] iptables -w -t mangle -A PREROUTING -i DOCKER-ETH0 -p tcp -m tcp --dport 1082 -j MARK --set-xmark 0x636c/0xffff',
    '[network] iptables -w -t nat -A PREROUTING -i DOCKER-ETH0 -p tcp -m tcp --dport 1082 -j DNAT --to-destination 10.0.1.3:80',
    '[network] iptables -w -t nat -A POSTROUTING -o s1 -m mark --mark 0x636c/0xffff -d 10.0.1.3/32 -p tcp -m tcp --dport 80 -j MASQUERADE',
    '[network] iptables -w -t mangle -A PREROUTING -i DOCKER-ETH0 -p udp -m udp --dport 5355 -j MARK --set-xmark 0x636c/0xffff',
    '[network] iptables -w -t nat -A PREROUTING -i DOCKER-ETH0 -p udp -m udp --dport 5355 -j DNAT --to-destination 10.0.1.3:53',
    '[network] iptables -w -t nat -A POSTROUTING -o s1 -m mark --mark 0x636c/0xffff -d 10.0.1.3/32 -p udp -m udp --dport 53 -j MASQUERADE',
    '[pid 42] ip route replace 172.17.0.2/32 dev eth0',
  ])
})

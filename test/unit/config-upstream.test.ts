// The upstream-shaped config (`--format upstream`) in-process, whole: every
// key upstream conlink 2.6 prints, and the ones it leaves out.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { toUpstreamShape } from '../../src/config/upstream.js'
import { loadNet } from './config-helpers.js'

const NET = `bridges: [{bridge: s1, mode: auto}]
links:
  - {service: node, bridge: s1, ip: 10.0.0.1/24, mac: "c2:00:00:00:00:01", mtu: 1400, forward: ["8080:80/tcp"], route: "default via 10.0.0.254", nat: 10.99.0.1, netem: "delay 10ms"}
  - {service: node, type: vlan, dev: v5, outer-dev: eth0, vlanid: 5}
  - {container: box, bridge: s2, dev: eth1}
commands:
  - {container: box, command: "sleep 1"}
tunnels:
  - {type: geneve, bridge: s1, remote: 10.9.9.9, vni: 7}
  - {type: vxlan, bridge: s2, remote: 10.9.9.8, vni: 8, port: 4789, netem: "loss 1%"}
`

test('toUpstreamShape: bridges with their resolved mode, links with the bridge map, forwards as lists, tunnels, commands', async () => {
  const up = toUpstreamShape((await loadNet(NET).result).config)
  assert.deepEqual(up, {
    bridges: { s1: { bridge: 's1', mode: 'linux' }, s2: { bridge: 's2', mode: 'linux' } },
    tunnels: [
      { type: 'geneve', bridge: 's1', remote: '10.9.9.9', vni: 7 },
      { type: 'vxlan', bridge: 's2', remote: '10.9.9.8', vni: 8, port: 4789, netem: ['loss 1%'] },
    ],
    containers: {
      box: {
        links: [{ type: 'veth', container: 'box', dev: 'eth1', bridge: { bridge: 's2', mode: 'linux' }, mtu: 65535, ethtool: ['--offload tx off'], base: 'conlink' }],
        commands: [{ container: 'box', command: 'sleep 1' }],
      },
    },
    services: {
      node: {
        links: [
          {
            type: 'veth', service: 'node', dev: 'eth0', bridge: { bridge: 's1', mode: 'linux' }, ip: '10.0.0.1/24', mac: 'c2:00:00:00:00:01', mtu: 1400,
            route: ['default via 10.0.0.254'], nat: '10.99.0.1', netem: ['delay 10ms'], forward: [[8080, 80, 'tcp']], ethtool: ['--offload tx off'], base: 'conlink',
          },
          { type: 'vlan', service: 'node', dev: 'v5', 'outer-dev': 'eth0', vlanid: 5, ethtool: [], base: 'host' },
        ],
      },
    },
  })
})

test('toUpstreamShape: no tunnels is null; an owner without links or commands has neither key', async () => {
  const up = toUpstreamShape((await loadNet('commands:\n  - {service: cmdonly, command: "true"}\n').result).config)
  assert.equal(up.tunnels, null)
  assert.deepEqual(up.bridges, {})
  assert.deepEqual(up.services, { cmdonly: { commands: [{ service: 'cmdonly', command: 'true' }] } })
  assert.deepEqual(up.containers, {})
})

import { test } from 'node:test'
import assert from 'node:assert/strict'
import { linksWithForwards, loadNetworkConfig, configSummary, formatConfig } from '../../src/config/index.js'
import { parseForward } from '../../src/config/enrich.js'
import { words as splitArgs } from '../../src/net/ops.js'
import { loadNet, rejectsWith, writeTemp } from './config-helpers.js'

const ALL_TYPES = `links:
  - {service: a, bridge: s1}
  - {service: a, type: dummy, dev: d0}
  - {service: a, type: vlan, dev: v5, outer-dev: eth0, vlanid: 5}
  - {service: a, type: macvlan, dev: m0, outer-dev: eth0, mtu: 1400}
  - {service: a, type: ipvtap, dev: i0, outer-dev: eth0}
  - {container: c1, bridge: s2, dev: e1, route: "default via 10.0.0.1", netem: delay 1ms, ethtool: [--offload rx off]}
`

test('defaults: type, dev, mtu, base, lists, ethtool offload first for veth', async () => {
  const { config } = await loadNet(ALL_TYPES, { defaultMtu: 5111 }).result
  const [veth, dummy, vlan, macvlan, ipvtap] = config.services.a.links
  assert.deepEqual([veth.type, veth.dev, veth.mtu, veth.base], ['veth', 'eth0', 5111, 'conlink'])
  assert.deepEqual(veth.ethtool, ['--offload tx off'])
  assert.deepEqual([dummy.mtu, dummy.base, dummy.ethtool], [5111, 'local', []])
  assert.deepEqual([vlan.mtu, vlan.base, vlan.vlanid], [undefined, 'host', 5])
  assert.deepEqual([macvlan.mtu, macvlan.base], [1400, 'host'])
  assert.equal(ipvtap.mtu, undefined)
  assert.equal(veth.mac, undefined, 'no random MAC in enrich')
  const c = config.containers.c1.links[0]
  assert.deepEqual(c.route, ['default via 10.0.0.1'])
  assert.deepEqual(c.netem, ['delay 1ms'])
  assert.deepEqual(c.ethtool, ['--offload tx off', '--offload rx off'])
  assert.equal(c.mtu, 5111)
})

test('--keep-veth-offload leaves ethtool as given', async () => {
  const { config } = await loadNet(ALL_TYPES, { keepVethOffload: true }).result
  assert.deepEqual(config.services.a.links[0].ethtool, [])
  assert.deepEqual(config.containers.c1.links[0].ethtool, ['--offload rx off'])
})

test('forward parsing and linksWithForwards', async () => {
  assert.deepEqual(parseForward('1080:80/tcp'), { 'conlink-port': 1080, port: 80, proto: 'tcp' })
  const { config } = await loadNet('links:\n  - {service: a, bridge: s1, ip: 10.0.0.1/24, forward: [1080:80/tcp, "53:53/udp"]}\n  - {service: b, bridge: s1}\n', { defaultBridgeMode: 'linux' }).result
  assert.deepEqual(config.services.a.links[0].forward, [
    { 'conlink-port': 1080, port: 80, proto: 'tcp' },
    { 'conlink-port': 53, port: 53, proto: 'udp' },
  ])
  assert.deepEqual(linksWithForwards(config).map((l) => l.service), ['a'])
})

test('forward on a patch bridge is an error', async () => {
  const { file, result } = loadNet('bridges: [{bridge: p1, mode: patch}]\nlinks:\n  - {service: a, bridge: p1, ip: 10.0.0.1/24, forward: 80:80/tcp}\n')
  await rejectsWith(result, `${file}: links[0].forward: forward needs a bridge in linux or ovs mode, but bridge p1 is a patch`, 'set mode linux or ovs for bridge p1, or remove forward')
})

test('forward on an ovs bridge is fine', async () => {
  const { config } = await loadNet('bridges: [{bridge: o1, mode: ovs}]\nlinks:\n  - {service: a, bridge: o1, ip: 10.0.0.1/24, forward: 80:80/tcp}\n', { probe: () => true }).result
  assert.deepEqual(config.services.a.links[0].forward, [{ 'conlink-port': 80, port: 80, proto: 'tcp' }])
})

test('three links on one patch bridge is an error naming the bridge and the links', async () => {
  const { file, result } = loadNet('bridges: [{bridge: p1, mode: patch}]\nlinks:\n  - {service: a, bridge: p1}\n  - {service: b, bridge: p1}\n  - {container: c, dev: e1, bridge: p1}\n')
  await rejectsWith(result, `${file}: bridges[0]: patch bridge p1 joins 3 links (service a:eth0, service b:eth0, container c:e1)`)
})

test('two links on a patch bridge are fine', async () => {
  const { config } = await loadNet('bridges: [{bridge: p1, mode: patch}]\nlinks:\n  - {service: a, bridge: p1}\n  - {service: b, bridge: p1}\n').result
  assert.deepEqual(config.bridges.p1, { bridge: 'p1', mode: 'patch', 'resolved-mode': 'patch' })
})

test('bridges: every named bridge exists; default mode; auto resolution via the probe', async () => {
  const body = 'bridges: [{bridge: s1, mode: linux}]\nlinks:\n  - {service: a, bridge: s1}\n  - {service: b, bridge: s2}\ntunnels:\n  - {type: vxlan, bridge: s3, remote: 10.9.9.9, vni: 7}\n'
  const without = await loadNet(body, { probe: () => false }).result
  assert.deepEqual(without.config.bridges, {
    s1: { bridge: 's1', mode: 'linux', 'resolved-mode': 'linux' },
    s2: { bridge: 's2', mode: 'auto', 'resolved-mode': 'linux' },
    s3: { bridge: 's3', mode: 'auto', 'resolved-mode': 'linux' },
  })
  assert.match(without.warnings.join('\n'), /openvswitch kernel module not loaded.*s2, s3/)
  const withOvs = await loadNet(body, { probe: () => true }).result
  assert.equal(withOvs.config.bridges.s2['resolved-mode'], 'ovs')
  assert.deepEqual(withOvs.warnings, [])
  const patchDefault = await loadNet('links:\n  - {service: a, bridge: s9}\n', { defaultBridgeMode: 'patch' }).result
  assert.equal(patchDefault.config.bridges.s9.mode, 'patch')
})

test('the probe is not called when no bridge needs OVS', async () => {
  let called = false
  await loadNet('links:\n  - {service: a, bridge: s1}\n', { defaultBridgeMode: 'linux', probe: () => (called = true) }).result
  assert.equal(called, false)
})

test('ovs without kernel support: warning for config, error with strictOvs (up)', async () => {
  const body = 'bridges: [{bridge: s1, mode: ovs}]\nlinks:\n  - {service: a, bridge: s1}\n'
  const { warnings } = await loadNet(body).result
  assert.match(warnings.join('\n'), /bridge s1 has mode ovs but the openvswitch kernel module is not loaded/)
  const { file, result } = loadNet(body, { strictOvs: true })
  await rejectsWith(result, `${file}: bridges[0]: bridge s1 has mode ovs`)
})

test('tunnels get outer-dev <type>-<vni>; duplicates are an error', async () => {
  const { config } = await loadNet('tunnels:\n  - {type: vxlan, bridge: s1, remote: 10.9.9.9, vni: 1001}\n  - {type: geneve, bridge: s1, remote: 10.9.9.9, vni: 1001}\n').result
  assert.deepEqual(config.tunnels.map((t) => t['outer-dev']), ['vxlan-1001', 'geneve-1001'])
  assert.deepEqual(config.tunnels[0].netem, [])
  assert.deepEqual(config.tunnels.map((t) => t.port), [8472, 6081]) // kernel defaults, as upstream
  const { result } = loadNet('tunnels:\n  - {type: vxlan, bridge: s1, remote: 10.9.9.9, vni: 1}\n  - {type: vxlan, bridge: s2, remote: 10.9.9.8, vni: 1}\n')
  await rejectsWith(result, 'tunnels[1]: a second vxlan tunnel with vni 1')
})

test('structure: services and containers with links and commands; summary and JSON', async () => {
  const f = writeTemp('s.yaml', 'services:\n  r0:\n    x-network:\n      links: [{bridge: s1}]\n      commands: [{command: "echo hi"}]\n')
  const n = writeTemp('n.yaml', 'commands: [{container: box, command: [ls, /]}]\n')
  const { config } = await loadNetworkConfig({ composeFiles: [f], networkFiles: [n], env: {}, probe: () => false })
  assert.deepEqual(Object.keys(config), ['bridges', 'tunnels', 'services', 'containers'])
  assert.deepEqual(config.services.r0.commands.map((c) => c.command), ['echo hi'])
  assert.deepEqual(config.containers.box, { links: [], commands: [{ container: 'box', command: ['ls', '/'], origin: { file: n, path: 'commands[0]' } }] })
  assert.equal(configSummary(config), 'OK: 1 bridge, 1 link (1 service, 1 container), 0 tunnels, 2 commands')
  // the printed form, written out: two-space JSON with these keys in this order
  const printed = formatConfig(config)
  assert.ok(printed.startsWith('{\n  "bridges": {\n    "s1": {\n      "bridge": "s1",\n      "mode": "auto",\n      "resolved-mode": "linux"\n    }\n  },\n  "tunnels": [],\n  "services": {'), printed)
  assert.ok(printed.endsWith('\n  "containers": {\n    "box": {\n      "links": [],\n      "commands": [\n        {\n          "container": "box",\n          "command": [\n            "ls",\n            "/"\n          ],\n' +
    `          "origin": {\n            "file": ${JSON.stringify(n)},\n            "path": "commands[0]"\n          }\n        }\n      ]\n    }\n  }\n}`), printed)
  assert.deepEqual(JSON.parse(printed).services.r0.links, [{
    type: 'veth', service: 'r0', dev: 'eth0', bridge: 's1', mtu: 65535, route: [], netem: [], forward: [], ethtool: ['--offload tx off'], base: 'conlink',
    origin: { file: f, path: 'services.r0.x-network.links[0]' },
  }])
})

test('no sources is an error', async () => {
  await rejectsWith(loadNetworkConfig({}), 'no configuration given')
})

test('words (route, netem, ethtool strings) splits on whitespace', () => {
  assert.deepEqual(splitArgs('  default  via 10.0.0.1 '), ['default', 'via', '10.0.0.1'])
})

test('tunnel port: default per type, `port` overrides (also through a variable), bad ports are rejected', async () => {
  const { config } = await loadNet('tunnels:\n  - {type: vxlan, bridge: s1, remote: 10.9.9.9, vni: 1, port: 4789}\n  - {type: vxlan, bridge: s1, remote: 10.9.9.8, vni: 2, port: "${P:-4790}"}\n  - {type: vxlan, bridge: s1, remote: 10.9.9.7, vni: 3}\n').result
  assert.deepEqual(config.tunnels.map((t) => t.port), [4789, 4790, 8472])
  await rejectsWith(loadNet('tunnels:\n  - {type: vxlan, bridge: s1, remote: 10.9.9.9, vni: 1, port: 70000}\n').result, 'tunnels[0].port', 'must be <= 65535')
  await rejectsWith(loadNet('tunnels:\n  - {type: vxlan, bridge: s1, remote: 10.9.9.9, vni: 1, port: udp}\n').result, 'tunnels[0].port')
})

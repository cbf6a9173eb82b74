// net2dot's input reader (src/graph/input.ts): upstream-shaped JSON with its
// defaults filled in, values given kept, and each kind of bad input named
// with its path.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isConlinkError } from '../../src/errors.js'
import { networkToDot } from '../../src/graph/dot.js'
import { parseConfigJson } from '../../src/graph/input.js'

const HINT = "give the output of `conlink config` (or of upstream conlink's --show-config)"

test('upstream shape: defaults filled in (resolved mode, tunnel port, outer-dev, netem, link type, dev, base, lists)', () => {
  const upstream = {
    bridges: { s1: { bridge: 's1', mode: 'auto' }, s2: { bridge: 's2', mode: 'ovs' } },
    tunnels: [{ type: 'geneve', bridge: { bridge: 's1', mode: 'linux' }, remote: '10.9.9.9', vni: 7 }],
    services: { web: { links: [{ service: 'web', bridge: { bridge: 's1', mode: 'linux' } }, { type: 'macvlan', service: 'web', dev: 'm0', 'outer-dev': 'eth0', mode: 'bridge' }] } },
    containers: { box: { commands: [{ container: 'box', command: 'true' }] }, idle: {} },
  }
  assert.deepEqual(parseConfigJson(JSON.stringify(upstream)), {
    bridges: { s1: { bridge: 's1', mode: 'auto', 'resolved-mode': 'linux' }, s2: { bridge: 's2', mode: 'ovs', 'resolved-mode': 'ovs' } },
    tunnels: [{ type: 'geneve', bridge: 's1', remote: '10.9.9.9', vni: 7, port: 6081, netem: [], 'outer-dev': 'geneve-7' }],
    services: {
      web: {
        links: [
          { service: 'web', bridge: 's1', type: 'veth', dev: 'eth0', base: 'conlink', route: [], netem: [], forward: [], ethtool: [] },
          { type: 'macvlan', service: 'web', dev: 'm0', 'outer-dev': 'eth0', mode: 'bridge', base: 'host', route: [], netem: [], forward: [], ethtool: [] },
        ],
        commands: [],
      },
    },
    containers: { box: { commands: [{ container: 'box', command: 'true' }], links: [] }, idle: { links: [], commands: [] } },
  })
})

test('conlink shape: values given are kept', () => {
  const ours = {
    bridges: { p: { bridge: 'p', mode: 'auto', 'resolved-mode': 'patch' } },
    tunnels: [{ type: 'vxlan', bridge: 'p', remote: '10.9.9.8', vni: 8, port: 4789, netem: ['delay 5ms'], 'outer-dev': 'vx8' }],
    services: {},
    containers: {
      c: {
        links: [{ type: 'dummy', container: 'c', dev: 'd0', base: 'local', ip: '10.0.0.1/24', route: ['10.1.0.0/16 dev d0'], netem: ['loss 1%'], forward: [], ethtool: ['-K d0 tx off'] }],
        commands: [],
      },
    },
  }
  assert.deepEqual(parseConfigJson(JSON.stringify(ours)), ours)
})

const good = { bridges: {}, services: {}, containers: {}, tunnels: null }
const withLink = (link: unknown) => ({ ...good, services: { a: { links: [link] } } })

test('bad input: each error names its path, says what it got, and gives the hint', () => {
  const long = 'x'.repeat(50)
  const cases: Array<[unknown, string, string]> = [
    [[1], '', 'not a config map with bridges, tunnels, services and containers (got [1])'],
    [{ ...good, bridges: { s1: 'x' } }, 'bridges.s1', 'missing or not a map: bridges.s1'],
    [{ ...good, bridges: { s1: { mode: 'auto' } } }, 'bridges.s1.bridge', 'missing or not a string: bridges.s1.bridge (missing)'],
    [{ ...good, bridges: { s1: { bridge: '', mode: 'auto' } } }, 'bridges.s1.bridge', 'missing or not a string: bridges.s1.bridge (got "")'],
    [{ ...good, bridges: { s1: { bridge: 's1', mode: 'bogus' } } }, 'bridges.s1.mode', 'bridges.s1.mode must be one of auto, linux, ovs, patch (got "bogus")'],
    [{ ...good, bridges: { s1: { bridge: 's1', mode: 'auto', 'resolved-mode': 'auto' } } }, 'bridges.s1.resolved-mode', 'bridges.s1.resolved-mode must be one of linux, ovs, patch (got "auto")'],
    [{ ...good, bridges: { s1: { bridge: 's1', mode: long } } }, 'bridges.s1.mode', `bridges.s1.mode must be one of auto, linux, ovs, patch (got "${'x'.repeat(36)}...)`],
    [{ ...good, bridges: { s1: { bridge: 's1', mode: 'x'.repeat(38) } } }, 'bridges.s1.mode', `bridges.s1.mode must be one of auto, linux, ovs, patch (got "${'x'.repeat(38)}")`],
    [{ ...good, bridges: { s1: { bridge: 's1', mode: 'x'.repeat(39) } } }, 'bridges.s1.mode', `bridges.s1.mode must be one of auto, linux, ovs, patch (got "${'x'.repeat(36)}...)`],
    [{ ...good, tunnels: [{ type: 'gre', bridge: 's1', remote: 'r', vni: 1 }] }, 'tunnels[0].type', 'tunnels[0].type must be one of vxlan, geneve (got "gre")'],
    [{ ...good, tunnels: [{ type: 'vxlan', bridge: 's1', vni: 1 }] }, 'tunnels[0].remote', 'missing or not a string: tunnels[0].remote (missing)'],
    [{ ...good, tunnels: [{ type: 'vxlan', bridge: 's1', remote: 'r' }] }, 'tunnels[0].vni', 'missing or not a number: tunnels[0].vni (missing)'],
    [{ ...good, tunnels: [{ type: 'vxlan', bridge: 's1', remote: 'r', vni: '7' }] }, 'tunnels[0].vni', 'missing or not a number: tunnels[0].vni (got "7")'],
    [{ ...good, tunnels: [{ type: 'vxlan', bridge: {}, remote: 'r', vni: 1 }] }, 'tunnels[0].bridge.bridge', 'missing or not a string: tunnels[0].bridge.bridge (missing)'],
    [{ ...good, services: { a: 'x' } }, 'services.a', 'missing or not a map: services.a'],
    [{ ...good, containers: { a: { links: {} } } }, 'containers.a.links', 'not a list: containers.a.links'],
    [{ ...good, containers: { a: { commands: 'true' } } }, 'containers.a.commands', 'not a list: containers.a.commands'],
    [withLink(null), 'services.a.links[0]', 'missing or not a map: services.a.links[0]'],
    [withLink({ type: 'gre', bridge: 's1' }), 'services.a.links[0].type', 'services.a.links[0].type must be one of veth, dummy, vlan, ipvlan, macvlan, ipvtap, macvtap (got "gre")'],
    [withLink({ dev: 'eth1' }), 'services.a.links[0].bridge', 'missing: services.a.links[0].bridge (veth links are drawn in their bridge)'],
    [withLink({ bridge: 5 }), 'services.a.links[0].bridge', 'missing or not a string: services.a.links[0].bridge (got 5)'],
    [withLink({ bridge: { mode: 'linux' } }), 'services.a.links[0].bridge.bridge', 'missing or not a string: services.a.links[0].bridge.bridge (missing)'],
    [withLink({ bridge: 's1', dev: '' }), 'services.a.links[0].dev', 'missing or not a string: services.a.links[0].dev (got "")'],
    [withLink({ bridge: 's1', ip: 5 }), 'services.a.links[0].ip', 'missing or not a string: services.a.links[0].ip (got 5)'],
    [withLink({ bridge: 's1', 'outer-dev': '' }), 'services.a.links[0].outer-dev', 'missing or not a string: services.a.links[0].outer-dev (got "")'],
  ]
  for (const [value, path, message] of cases) {
    assert.throws(() => parseConfigJson(JSON.stringify(value), 'in.json'), (e: unknown) => {
      assert.ok(isConlinkError(e))
      assert.equal(e.message, message)
      assert.deepEqual(e.place, { file: 'in.json', path })
      assert.equal(e.hint, HINT)
      return true
    }, message)
  }
})

test('a link that is not a veth needs no bridge; a bridge given is read from either shape', () => {
  const [dummy] = parseConfigJson(JSON.stringify(withLink({ type: 'dummy', dev: 'd0' }))).services.a.links
  assert.equal(dummy.bridge, undefined)
  assert.equal(dummy.base, 'local')
  const [veth] = parseConfigJson(JSON.stringify(withLink({ bridge: 's9' }))).services.a.links
  assert.equal(veth.bridge, 's9')
})

test('a host link read without outer-dev is drawn against an unknown parent `?`', () => {
  const config = parseConfigJson(JSON.stringify(withLink({ type: 'macvlan', dev: 'm0', mode: 'bridge' })))
  const dot = networkToDot(config)
  assert.ok(dot.includes('    "host/?" [label="?", shape="box3d"];'), dot)
  assert.ok(dot.includes('  "svc/a/m0" -- "host/?" [label="macvlan (bridge)", style="bold"];'), dot)
})

// `conlink status` compares what the kernel has (ip -j output) with the config: diffInstance on real ip 6.1 JSON.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { instantiateLink } from '../../src/config/replica.js'
import { diffInstance } from '../../src/net/check.js'
import { loadNet } from './config-helpers.js'

async function instance(route: string[]) {
  const { config } = await loadNet(`links: [{container: a, dev: eth0, bridge: s1, ip: 10.0.0.2/24, mac: '02:00:00:00:00:01', route: ${JSON.stringify(route)}}]\n`).result
  return instantiateLink(config.containers.a.links[0], { id: 'c0ffee', name: 'a', pid: 4242, index: 1 })
}

const LINKS = [{ ifname: 'eth0', address: '02:00:00:00:00:01', mtu: 65535, linkinfo: { info_kind: 'veth' }, addr_info: [{ local: '10.0.0.2', prefixlen: 24 }] }]
// what `ip -j route show` printed for these routes in a namespace
const ROUTES = [
  { dst: '10.0.0.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '10.0.0.2' },
  { dst: '10.7.0.0/16', gateway: '10.0.0.1', dev: 'eth0' },
  { dst: '10.8.0.0/16', gateway: '10.0.0.1', dev: 'eth0' },
  { dst: '10.9.0.0/16', via: { family: 'inet6', host: 'fe80::1' }, dev: 'eth0' },
  { dst: '192.168.5.5', dev: 'eth0' },
]

test('routes as written are found in what ip lists: `to`, a route type, `via inet6`, a host route', async () => {
  const inst = await instance(['unicast 10.7.0.0/16 via 10.0.0.1', 'to 10.8.0.0/16 via 10.0.0.1', '10.9.0.0/16 via inet6 fe80::1', '192.168.5.5/32'])
  assert.deepEqual(diffInstance(inst, LINKS as never, ROUTES as never), [])
})

test('a route with another gateway, or not there, is missing; so are a MAC and an address', async () => {
  const inst = await instance(['10.7.0.0/16 via 10.0.0.9', '10.6.0.0/16 via 10.0.0.1'])
  assert.deepEqual(diffInstance(inst, LINKS as never, ROUTES as never), ["route '10.7.0.0/16 via 10.0.0.9' missing", "route '10.6.0.0/16 via 10.0.0.1' missing"])
  const other = [{ ...LINKS[0], address: '02:00:00:00:00:09', addr_info: [] }]
  assert.deepEqual(diffInstance(await instance([]), other as never, ROUTES as never), ['mac is 02:00:00:00:00:09, not 02:00:00:00:00:01', 'ip 10.0.0.2/24 missing'])
})

// Address parsing, canonical text, route words and family checks that
// mutation testing of src/config/address.ts and families.ts showed untested.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { cidrProblem, formatIPv6, ipv6Value, isIPv6, offsetIPv6, routeFamilies } from '../../src/config/address.js'
import { errorOf, loadNet } from './config-helpers.js'


const canon = (s: string) => formatIPv6(ipv6Value(s)!)

test('IPv6 parsing: the longest text (45 characters) and a :: standing for one zero hextet are addresses', () => {
  const longest = 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255'
  assert.equal(longest.length, 45)
  assert.ok(isIPv6(longest))
  assert.ok(isIPv6('1:2:3:4:5:6:7::'))
  assert.equal(canon('1:2:3:4:5:6::8'), '1:2:3:4:5:6:0:8')
})

test('IPv6 parsing: a dotted IPv4 tail gives the two last hextets', () => {
  assert.equal(ipv6Value('::1.2.3.4'), 0x01020304n)
  assert.equal(ipv6Value('::ffff:10.20.30.40'), 0xffff0a141e28n)
})

test('IPv6 text: dotted IPv4 only for IPv4-compatible (::/96) and IPv4-mapped addresses, as inet_ntop writes them', () => {
  assert.equal(canon('::1.2.3.4'), '::1.2.3.4')
  assert.equal(canon('::ffff:1.2.3.4'), '::ffff:1.2.3.4')
  assert.equal(canon('::1'), '::1')
  assert.equal(canon('1::'), '1::')
  assert.equal(canon('1:0:0:0:0:0:0:1'), '1::1')
  assert.equal(canon('::1:a00:1'), '::1:a00:1')
  assert.equal(canon('::1:0:ffff:a00:1'), '::1:0:ffff:a00:1')
})

test('cidrProblem: only an address with a plain number over the maximum gets a prefix reason', () => {
  assert.equal(cidrProblem('10.0.0.1/33')?.what, 'has prefix /33, over 32 for IPv4')
  for (const s of ['10.0.0.1/24/x', '10.0.0.1/33/1', '10.0.0.1/33x', '10.0.0.1/x33']) assert.equal(cidrProblem(s), undefined, s)
})

test('offsetIPv6: an IPv4 address or a missing prefix is refused with the address in the message', async () => {
  for (const bad of ['10.0.0.1/24', '2001:db8::1'])
    assert.equal((await errorOf(() => offsetIPv6(bad, 1))).message, `invalid IPv6 address with prefix ${bad}`)
})

test('offsetIPv6: going below the prefix is refused like going beyond it', async () => {
  assert.equal(offsetIPv6('2001:db8::1/64', -1), '2001:db8::/64')
  const e = await errorOf(() => offsetIPv6('2001:db8::1/64', -2))
  assert.equal(e.message, 'IPv6 address 2001:db8::1/64 + -2 leaves its /64 prefix (room for 18446744073709551614 more after it)')
  assert.equal(e.hint, 'use a lower address, a shorter prefix or fewer replicas')
})

test('routeFamilies: every route type word is skipped before the destination', () => {
  for (const type of ['unicast', 'local', 'broadcast', 'multicast', 'throw', 'unreachable', 'prohibit', 'blackhole', 'nat', 'anycast'])
    assert.deepEqual(routeFamilies([type, '2001:db8::/64']), { dst: '2001:db8::/64', dstFamily: 6, via: undefined, viaFamily: undefined }, type)
})

test('routeFamilies: `to` before the destination, a type word alone, via first, via inet', () => {
  assert.deepEqual(routeFamilies(['to', '10.0.0.0/8', 'via', '10.0.0.1']), { dst: '10.0.0.0/8', dstFamily: 4, via: '10.0.0.1', viaFamily: 4 })
  assert.deepEqual(routeFamilies(['blackhole']), { dst: undefined, dstFamily: undefined, via: undefined, viaFamily: undefined })
  assert.deepEqual(routeFamilies(['via', '10.0.0.1']), { dst: 'via', dstFamily: undefined, via: '10.0.0.1', viaFamily: 4 })
  assert.deepEqual(routeFamilies(['via', 'inet6', 'fe80::1']), { dst: 'via', dstFamily: undefined, via: 'fe80::1', viaFamily: 6, viaWithFamily: true })
  assert.deepEqual(routeFamilies(['default', 'via', 'inet', '10.0.0.1']), { dst: 'default', dstFamily: undefined, via: '10.0.0.1', viaFamily: 4, viaWithFamily: true })
  assert.deepEqual(routeFamilies(['inet6', 'default']), { dst: 'inet6', dstFamily: undefined, via: undefined, viaFamily: undefined })
})

const linkWith = (props: string) => `links:\n  - {service: a, bridge: s1, ${props}}\n`
const load = (props: string) => loadNet(linkWith(props), { defaultBridgeMode: 'linux' })

/** A link with `props` is refused with exactly this message and hint, at `path`. */
async function refused(props: string, message: string, hint: string, path: string): Promise<void> {
  const { file, result } = load(props)
  const e = await errorOf(() => result)
  assert.deepEqual([e.message, e.hint, e.place], [message, hint, { file, path }])
}

test('families: accepted are different addresses alike at the start, routes without via and link-local IPv6 gateways', async () => {
  for (const props of [
    'ip: [10.0.0.1/24, 10.0.0.2/24]',
    'ip: 10.0.0.1/24, route: [blackhole 10.1.0.0/16, unreachable default]',
    'ip: 10.0.0.1/24, route: ["default via fe80::1", "default via FEBF::1"]',
  ]) {
    const { config } = await load(props).result
    assert.equal(config.services.a.links.length, 1, props)
  }
})

test('families: the same address twice names the second entry and says to remove one', async () => {
  await refused('ip: [10.0.0.1/24, 10.0.0.1/16]', 'address 10.0.0.1/16 is listed twice (also ip[0])', 'remove one of them', 'links[0].ip[1]')
})

test('families: route words are split on runs of spaces after trimming', async () => {
  for (const route of [' 10.9.0.0/16 via 2001:db8::1', '10.9.0.0/16 via  2001:db8::1']) {
    const { file, result } = load(`ip: [10.0.0.1/24, "2001:db8::2/64"], route: "${route}"`)
    const e = await errorOf(() => result)
    assert.equal(e.message, `route ${JSON.stringify(route)} has an IPv6 gateway for an IPv4 destination`)
    assert.deepEqual(e.place, { file, path: 'links[0].route' })
  }
})

test('families: a global IPv6 gateway on an IPv4-only link, even one containing fe80, is refused with the link-local hint', async () => {
  await refused('ip: 10.0.0.1/24, route: ["default via 2001:db8::fe80"]', 'route "default via 2001:db8::fe80" has an IPv6 gateway, but the link has no IPv6 address to reach it', 'add an IPv6 address to ip, or use a link-local gateway (fe80::...)', 'links[0].route[0]')
})

test('families: an IPv4 gateway on an IPv6-only link is refused, with no link-local hint', async () => {
  await refused('ip: "2001:db8::1/64", route: 10.9.0.0/16 via 10.0.0.1', 'route "10.9.0.0/16 via 10.0.0.1" has an IPv4 gateway, but the link has no IPv4 address to reach it', 'add an IPv4 address to ip', 'links[0].route')
})

test('families: an IPv4 nat on an IPv6-only link names both families', async () => {
  await refused('ip: "2001:db8::1/64", nat: 10.0.0.5', "nat 10.0.0.5 is IPv4, but the link's ip has only IPv6 addresses (NAT cannot mix families)", 'add an IPv4 address to ip, or use an IPv6 nat address', 'links[0].nat')
})

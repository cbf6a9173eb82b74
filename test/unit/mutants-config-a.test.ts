// Config cases that mutation testing showed untested (issue 18, group A: validate.ts and extra-schema.ts):
// which schema errors are reported, their exact texts and hints, and the places they name.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { validateAgainstSchemaFile } from '../../src/config/extra-schema.js'
import { loadNetworkConfig } from '../../src/config/index.js'
import { loadSources } from '../../src/config/load.js'
import { mergePieces } from '../../src/config/merge.js'
import { ConfigErrors, isConlinkError } from '../../src/errors.js'
import { loadNet, writeTemp } from './config-helpers.js'

interface Found {
  path?: string
  message: string
  hint?: string
}

/** Every error the promise rejects with, each checked to name `file`, sorted by path. */
async function errorsOf(p: Promise<unknown>, file: string): Promise<Found[]> {
  try {
    await p
  } catch (e) {
    assert.ok(isConlinkError(e), `not a ConlinkError: ${String(e)}`)
    const list = e instanceof ConfigErrors ? e.errors : [e]
    for (const x of list) assert.equal(x.place.file, file)
    return list.map((x) => ({ path: x.place.path, message: x.message, hint: x.hint })).sort((a, b) => String(a.path).localeCompare(String(b.path)))
  }
  assert.fail('accepted')
}

async function errors(text: string): Promise<Found[]> {
  const { file, result } = loadNet(text)
  return errorsOf(result, file)
}

const IP_HINT = 'IPv4 e.g. 10.0.0.1 or IPv6 e.g. 2001:db8::1, without prefix'
const ARG_HINT = 'the value is split on spaces into program arguments (never run by a shell): letters, digits, spaces and _ . : / @ % + = , - only'

test('a rule broken inside allOf is reported once, without ajv\'s own "must match then schema" error', async () => {
  assert.deepEqual(await errors('links:\n  - {service: a}\n'), [{ path: 'links[0]', message: 'missing `bridge`', hint: 'veth links need a bridge: add `bridge: s1`' }])
})

test('an unknown link type hides the type-dependent rules of that link (also at index 10), not its other errors', async () => {
  assert.deepEqual(await errors('links:\n  - {service: a, type: tun, bridge: s1, mac: bad}\n'), [
    { path: 'links[0].mac', message: 'invalid MAC address "bad"', hint: 'six hex octets separated by `:`, e.g. 00:0a:0b:0c:0d:01' },
    { path: 'links[0].type', message: '"tun" is not one of veth, dummy, vlan, ipvlan, macvlan, ipvtap, macvtap', hint: undefined },
  ])
  const fine = Array.from({ length: 10 }, (_, i) => `  - {service: s${i}, bridge: s1}\n`).join('')
  assert.deepEqual(await errors(`links:\n${fine}  - {service: k, type: tun, bridge: s1}\n`), [
    { path: 'links[10].type', message: '"tun" is not one of veth, dummy, vlan, ipvlan, macvlan, ipvtap, macvtap', hint: undefined },
  ])
})

test('numeric keys: only whole decimal strings become numbers, anything else is reported as written; a null link is not a map', async () => {
  assert.deepEqual(await errors('links:\n  - {service: a, bridge: s1, mtu: 15a}\n  - {service: b, bridge: s1, mtu: [1500]}\ntunnels:\n  - {type: vxlan, bridge: s1, remote: 10.0.0.2, vni: x15}\n'), [
    { path: 'links[0].mtu', message: '"15a" must be integer', hint: undefined },
    { path: 'links[1].mtu', message: '[1500] must be integer', hint: undefined },
    { path: 'tunnels[0].vni', message: '"x15" must be integer', hint: undefined },
  ])
  assert.deepEqual(await errors('links:\n  - null\n'), [{ path: 'links[0]', message: 'null must be object', hint: undefined }])
})

test('range, empty, type, control character and format errors: the full message and hint', async () => {
  const text = `links:
  - {service: a, bridge: s1, mtu: 10}
  - {service: b, bridge: s1, mtu: 70000}
  - {service: c, bridge: s1, route: ""}
  - {service: d, bridge: s1, ip: 5}
  - {service: e, bridge: s1, netem: "delay\\t1ms"}
tunnels:
  - {type: vxlan, bridge: s1, remote: 10.0.0.2/40, vni: 5}
`
  assert.deepEqual(await errors(text), [
    { path: 'links[0].mtu', message: '10 is out of range: must be >= 68', hint: undefined },
    { path: 'links[1].mtu', message: '70000 is out of range: must be <= 65535', hint: undefined },
    { path: 'links[2].route', message: 'must not be empty', hint: 'an unset variable may have made it empty' },
    { path: 'links[3].ip', message: '5 must be string or array', hint: undefined },
    { path: 'links[4].netem', message: '"delay\\t1ms" contains a control character, which is not allowed', hint: ARG_HINT },
    { path: 'tunnels[0].remote', message: 'invalid IP address "10.0.0.2/40"', hint: IP_HINT },
  ])
})

test('an unknown property: the message and the path name its first 200 characters', async () => {
  const key = 'k'.repeat(250)
  const [e, ...more] = await errors(`links:\n  - {service: a, bridge: s1, ${key}: 1}\n`)
  assert.equal(more.length, 0)
  assert.equal(e.message, `unknown property \`${'k'.repeat(200)}\``)
  assert.equal(e.path, `links[0].${'k'.repeat(200)}`)
})

test('route and netem: help words (not words ending in h) and more than 64 words, counted after trimming', async () => {
  const words = (n: number) => Array<string>(n).fill('x').join(' ')
  await loadNet(`links:\n  - {service: a, bridge: s1, route: "10.9.0.0/16 via 10.0.0.254 realm north", netem: " w  ${words(63)}"}\n`).result
  assert.deepEqual(await errors(`links:\n  - {service: a, bridge: s1, route: "10.9.0.0/16 via 10.0.0.254 hel"}\n  - {service: b, bridge: s1, netem: "delay 1ms help"}\n  - {service: c, bridge: s1, netem: [delay 1ms, "${words(65)}"]}\n`), [
    { path: 'links[0].route', message: '"10.9.0.0/16 via 10.0.0.254 hel": the word `hel` makes ip print its help instead', hint: 'remove it' },
    { path: 'links[1].netem', message: '"delay 1ms help": the word `help` makes tc print its help instead', hint: 'remove it' },
    { path: 'links[2].netem[1]', message: `"${words(65)}" has 65 words, more than the 64 allowed`, hint: 'split it into several netem entries' },
  ])
})

test('places: list index 10 and more; an element of a list combined from two definitions; one error for two equal ones', async () => {
  const ips = Array.from({ length: 10 }, (_, i) => `10.0.0.${i + 1}/24`).join(', ')
  const routes = Array.from({ length: 10 }, (_, i) => `10.${i}.0.0/16 via 10.0.0.254`).join(', ')
  assert.deepEqual(await errors(`links:\n  - {service: a, bridge: s1, ip: [${ips}, bad], route: [${routes}]}\n  - {service: a, route: [10.20.0.0/16 via 10.0.0.254, "x;y"]}\n`), [
    { path: 'links[0].ip[10]', message: 'invalid IP address with prefix "bad"', hint: 'IPv4 e.g. 10.0.0.1/24 (prefix 0-32) or IPv6 e.g. 2001:db8::1/64 (prefix 0-128)' },
    { path: 'links[1].route[1]', message: '"x;y" contains `;`, which is not allowed', hint: ARG_HINT },
  ])
  const twice = writeTemp('mutants-a-twice.yaml', 'links:\n  - {service: a, bridge: s1, route: ["x;y"]}\n')
  assert.deepEqual(await errorsOf(loadNetworkConfig({ env: {}, probe: () => false, networkFiles: [twice, twice] }), twice), [
    { path: 'links[0].route[0]', message: '"x;y" contains `;`, which is not allowed', hint: ARG_HINT },
  ])
})

test('--config-schema places: a bridge, a nested key and list index 10 in a link, a list under another top-level key', () => {
  const net = writeTemp('mutants-a-net.yaml', 'links:\n  - {service: a, bridge: s1, x1: {1y: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}}\nbridges:\n  - {bridge: s1}\nfoo: [1]\n')
  const schema = writeTemp('mutants-a-schema.yaml', `properties:
  links: {items: {properties: {x1: {properties: {1y: {items: {maximum: 9}}}}}}}
  bridges: {items: {required: [mode]}}
  foo: {items: {type: string}}
`)
  const places = validateAgainstSchemaFile(mergePieces(loadSources([], [net])), schema).map((e) => e.place)
  assert.deepEqual(places, [
    { file: net, path: 'links[0].x1.1y[10]' },
    { file: net, path: 'bridges[0]' },
    { file: '', path: 'foo.0' },
  ])
})

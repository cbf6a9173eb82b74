// Config cases that mutation testing showed untested (see docs/testing.md):
// boundaries, anchors of the format checks, error texts and hints.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { configFlags, configOptions, printConfig } from '../../src/config/command.js'
import { loadNetworkConfig } from '../../src/config/index.js'
import { log } from '../../src/log.js'
import { interpolateString } from '../../src/config/interpolate.js'
import { readYamlFile } from '../../src/config/load.js'
import { deepMerge } from '../../src/config/merge.js'
import { linkLabel } from '../../src/config/label.js'
import { instantiateLink, offsetIp, offsetMac } from '../../src/config/replica.js'
import type { ContainerInfo, LinkSpec } from '../../src/config/types.js'
import { isCidr, isIPv4 } from '../../src/config/address.js'
import { isForward, isIfName, isMac } from '../../src/config/formats.js'
import { errorOf, loadNet, writeTemp } from './config-helpers.js'


test('offsetIp: malformed IPv4 addresses are refused, the top address is the limit', async () => {
  for (const bad of ['10.0.0', '10.0.0.1.2', '10.0.0.256', '10.0.-1.1', '10.0.x.1']) {
    assert.equal((await errorOf(() => offsetIp(`${bad}/24`, 1))).message, `invalid IPv4 address ${bad}`, bad)
  }
  assert.equal(offsetIp('255.255.255.254/24', 1), '255.255.255.255/24')
  assert.equal(offsetIp('0.0.0.1/8', -1), '0.0.0.0/8')
  const e = await errorOf(() => offsetIp('0.0.0.0/8', -1))
  assert.equal(e.message, 'IP address 0.0.0.0/8 + -1 is beyond 255.255.255.255')
  assert.equal(e.hint, 'use a lower ip or fewer replicas')
  assert.equal((await errorOf(() => offsetIp('255.255.255.255', 1))).hint, 'use a lower ip or fewer replicas')
})

test('offsetMac: the top MAC is the limit; below zero and overflow are refused with a hint', async () => {
  assert.equal(offsetMac('ff:ff:ff:ff:ff:fe', 1), 'ff:ff:ff:ff:ff:ff')
  assert.equal(offsetMac('00:00:00:00:00:01', -1), '00:00:00:00:00:00')
  const e = await errorOf(() => offsetMac('00:00:00:00:00:00', -1))
  assert.equal(e.message, 'MAC address 00:00:00:00:00:00 + -1 is beyond ff:ff:ff:ff:ff:ff')
  assert.equal(e.hint, 'use a lower mac or fewer replicas')
  assert.equal((await errorOf(() => offsetMac('ff:ff:ff:ff:ff:ff', 1))).hint, 'use a lower mac or fewer replicas')
})

const link = (over: Partial<LinkSpec> = {}): LinkSpec => ({
  type: 'veth', service: 'node', dev: 'eth0', bridge: 's1', route: [], netem: [], forward: [], ethtool: [], base: 'conlink',
  origin: { file: 'f', path: 'links[0]' }, ...over,
})
const container = (over: Partial<ContainerInfo> = {}): ContainerInfo => ({ id: '0123456789abcdef'.repeat(4), name: 'p_node_1', pid: 42, project: 'p', service: 'node', index: 1, ...over })

test('instantiateLink: ipvtap gets no MAC either; a container link uses the name without its leading slash', () => {
  assert.equal(instantiateLink(link({ type: 'ipvtap', 'outer-dev': 'eth0' }), container()).mac, undefined)
  assert.match(instantiateLink(link({ type: 'macvtap', 'outer-dev': 'eth0' }), container()).mac!, /^c2:/)
  const c = instantiateLink(link({ service: undefined, container: undefined }), container({ name: '/box', project: undefined, service: undefined }))
  assert.equal(c.outerEnd, 'box-eth0')
})

test('forward ports: 65535 is the last one, with a hint beyond', async () => {
  const l = link({ ip: '10.0.0.1/24', forward: [{ 'conlink-port': 65534, port: 80, proto: 'tcp' }] })
  assert.equal(instantiateLink(l, container({ index: 2 })).forward[0]['conlink-port'], 65535)
  const e = await errorOf(() => instantiateLink(l, container({ index: 3 })))
  assert.equal(e.message, 'forward port 65534 + 2 is beyond 65535')
  assert.equal(e.hint, 'use a lower conlink port or fewer replicas')
})

test('deepMerge: a list meets a scalar or a map: later wins; undefined keeps the earlier value', () => {
  assert.deepEqual(deepMerge([1], 'x'), 'x')
  assert.deepEqual(deepMerge('x', [1]), [1])
  assert.deepEqual(deepMerge({ a: 1 }, [2]), [2])
  assert.deepEqual(deepMerge([2], { a: 1 }), { a: 1 })
  assert.deepEqual(deepMerge({ a: 1 }, 'y'), 'y')
  assert.deepEqual(deepMerge('y', { a: 1 }), { a: 1 })
  assert.deepEqual(deepMerge({ a: 1 }, undefined), { a: 1 })
  assert.deepEqual(deepMerge({ a: { b: 1, c: [1] } }, { a: { c: [2], d: 3 } }), { a: { b: 1, c: [1, 2], d: 3 } })
  const merged = deepMerge({}, JSON.parse('{"__proto__": {"polluted": 1}}')) as Record<string, unknown>
  assert.equal(Object.getOwnPropertyDescriptor(merged, '__proto__')?.enumerable, true, 'an own, enumerable key')
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
})

test('linkLabel: non-string parts are shown as JSON', () => {
  assert.equal(linkLabel({ service: 'a' }), 'service a:eth0')
  assert.equal(linkLabel({ container: 'c', dev: 'e1' }), 'container c:e1')
  assert.equal(linkLabel({ service: { toString: 1 }, dev: 5 }), 'service {"toString":1}:5')
})

test('linkLabel: an instance is named by its container and device; a configured link with a container string is not an instance', () => {
  const container = { name: 'node_2' }
  assert.equal(linkLabel({ link: {}, container, dev: 'eth1' }), 'node_2:eth1')
  assert.equal(linkLabel({ link: {}, container: 'c', dev: 'e1' } as never), 'container c:e1')
  assert.equal(linkLabel({ link: {}, container: null, dev: 'e1' } as never), 'container null:e1')
  assert.equal(linkLabel({ container, dev: 'e1' } as never), 'container {"name":"node_2"}:e1', 'without `link` it is a configured link')
  assert.equal(linkLabel({ service: 'a', dev: 'e2' }, { bare: true }), 'a:e2')
})

test('bridges listed twice are merged by name; empty sections are fine', async () => {
  const { config } = await loadNet('bridges:\n  - {bridge: s1}\n  - {bridge: s2, mode: linux}\n  - {bridge: s1, mode: linux}\nlinks:\n  - {service: a, bridge: s1}\ntunnels:\ncommands:\n', { defaultBridgeMode: 'auto' }).result
  assert.deepEqual(Object.keys(config.bridges), ['s1', 's2'])
  assert.equal(config.bridges.s1.mode, 'linux')
})

test('format checks are anchored at both ends', () => {
  for (const s of ['10.0.0.1', '255.255.255.255']) assert.equal(isIPv4(s), true, s)
  for (const s of ['x10.0.0.1', '10.0.0.1x', '10.0.0.1 ', '10.0.0.1/24']) assert.equal(isIPv4(s), false, s)
  for (const s of ['10.0.0.1/24', '10.0.0.1/0', '10.0.0.1/32']) assert.equal(isCidr(s), true, s)
  for (const s of ['10.0.0.1/33', '10.0.0.1/x24', '10.0.0.1/24x', '10.0.0.1/024', '10.0.0.1/', '10.0.0.1/24/1', 'x10.0.0.1/24']) assert.equal(isCidr(s), false, s)
  assert.equal(isMac('00:0a:0b:0c:0d:01'), true)
  for (const s of ['x00:0a:0b:0c:0d:01', '00:0a:0b:0c:0d:01x', '00:0a:0b:0c:0d:01:02', '00:0a:0b:0c:0d']) assert.equal(isMac(s), false, s)
  for (const s of ['eth0', 'a', '.x', 'x'.repeat(15)]) assert.equal(isIfName(s), true, s)
  for (const s of ['.', '..', '-x', 'x'.repeat(16), '']) assert.equal(isIfName(s), false, s)
  for (const s of ['80:80/tcp', '65535:1/udp']) assert.equal(isForward(s), true, s)
  for (const s of ['x80:80/tcp', '80:80/tcpx', '0:80/tcp', '80:65536/tcp', '80:80']) assert.equal(isForward(s), false, s)
})

async function loadError(yaml: string, env: Record<string, string> = {}) {
  const { file, result } = loadNet(yaml, { env })
  return { file, ...(await errorOf(() => result)) }
}

test('each format error says what it wanted and how to write it', async () => {
  const cases: Array<[string, string, string, string]> = [
    ['{service: a, bridge: s1, ip: 10.0.0.300/24}', 'links[0].ip', 'invalid IP address with prefix "10.0.0.300/24"', 'IPv4 e.g. 10.0.0.1/24 (prefix 0-32) or IPv6 e.g. 2001:db8::1/64 (prefix 0-128)'],
    ['{service: a, bridge: s1, ip: 10.0.0.1}', 'links[0].ip', 'IP address "10.0.0.1" has no prefix length', 'write e.g. 10.0.0.1/24'],
    ['{service: a, bridge: s1, ip: 10.0.0.1/24, nat: 10.0.0.x}', 'links[0].nat', 'invalid IP address "10.0.0.x"', 'IPv4 e.g. 10.0.0.1 or IPv6 e.g. 2001:db8::1, without prefix'],
    ['{service: a, bridge: s1, mac: "00:0a"}', 'links[0].mac', 'invalid MAC address "00:0a"', 'six hex octets separated by `:`, e.g. 00:0a:0b:0c:0d:01'],
    ['{service: a, bridge: s1, dev: -x}', 'links[0].dev', 'invalid interface name "-x"', '1-15 letters, digits, `_`, `.` or `-`, not starting with `-`'],
    ['{service: -a, bridge: s1}', 'links[0].service', 'invalid service name "-a"', 'a compose service name: letters, digits, `_`, `.` or `-`, not starting with `-`'],
    ['{container: _c, bridge: s1}', 'links[0].container', 'invalid container name "_c"', 'a container name: letters, digits, `_`, `.` or `-`, starting with a letter or digit'],
    ['{service: a, bridge: s1, ip: 10.0.0.1/24, forward: ["80/tcp"]}', 'links[0].forward[0]', 'invalid forward "80/tcp"', 'CONLINK_PORT:CONTAINER_PORT/PROTO with ports 1-65535 and proto tcp or udp, e.g. 8080:80/tcp'],
  ]
  for (const [item, path, message, hint] of cases) {
    const e = await loadError(`links:\n  - ${item}\n`)
    assert.deepEqual([e.place.path, e.message, e.hint], [path, message, hint], item)
    assert.equal(e.place.file, e.file)
  }
})

test('unknown keys list what is allowed; paths inside lists use [i]', async () => {
  const top = await loadError('links: []\nbogus: 1\n')
  assert.equal(top.message, 'unknown top-level key `bogus`')
  assert.equal(top.hint, 'allowed: links, bridges, tunnels, commands')
  assert.equal(top.place.path, 'bogus')
  const inner = await loadError('links:\n  - {service: a, bridge: s1, colour: red}\n')
  assert.equal(inner.message, 'unknown property `colour`')
  assert.match(inner.hint!, /^allowed: type, service, container, bridge, /)
  assert.equal(inner.place.path, 'links[0].colour')
  const deep = await loadError('links:\n  - {service: a, bridge: s1, route: ["10.0.0.0/8 via 10.0.0.1", 7]}\n')
  assert.equal(deep.place.path, 'links[0].route[1]')
  assert.equal(deep.message, '7 must be string')
})

test('numbers given as strings: digits only become numbers', async () => {
  const ok = await loadNet('links:\n  - {service: a, bridge: s1, mtu: "1400"}\n').result
  assert.equal(ok.config.services.a.links[0].mtu, 1400)
  for (const v of ['1400x', 'x1400', '']) {
    const e = await loadError(`links:\n  - {service: a, bridge: s1, mtu: "${v}"}\n`)
    assert.equal(e.place.path, 'links[0].mtu', v)
  }
})

test('readYamlFile: empty, whitespace-only, JSON with leading space, YAML error positions', async () => {
  const empty = await errorOf(() => readYamlFile(writeTemp('empty.yaml', '  \n\t\n')))
  assert.equal(empty.message, 'file is empty')
  assert.equal(empty.hint, 'add `links:` (and bridges, tunnels, commands) or remove the file from the options')
  assert.equal((await errorOf(() => readYamlFile(writeTemp('nulldoc.yaml', '~\n')))).message, 'file is empty')
  assert.deepEqual(readYamlFile(writeTemp('sp.json', '  \n {"a": [1, {"b": null}]}')), { a: [1, { b: null }] })
  const dup = await errorOf(() => readYamlFile(writeTemp('dup.yaml', 'a: 1\na: 2\n')))
  assert.match(dup.message, /duplicated mapping key/, 'duplicate keys are an error, as in Compose v2')
  assert.deepEqual(readYamlFile(writeTemp('brace.yaml', '{a: 1}\n')), { a: 1 }, 'YAML flow map that is not JSON')
  const bad = await errorOf(() => readYamlFile(writeTemp('bad.yaml', 'a: 1\nb: [\n')))
  assert.match(bad.message, /^not valid YAML at line 3, column 1: /)
  const missing = await errorOf(() => readYamlFile('/nonexistent/conlink.yaml'))
  assert.deepEqual([missing.message, missing.hint], ['file does not exist', 'check the --compose-file/--network-file value'])
  const dir = await errorOf(() => readYamlFile('/tmp'))
  assert.equal(dir.message, 'cannot read file (EISDIR)')
})

test('compose files: not a map, services not a map, x-network not a map', async () => {
  const load = (name: string, text: string) => errorOf(() => loadNetworkConfig({ composeFiles: [writeTemp(name, text)], env: {}, probe: () => false }))
  assert.equal((await load('c1.yaml', '- a\n')).message, 'a compose file must be a map')
  const s = await load('c2.yaml', 'services: [a]\n')
  assert.deepEqual([s.message, s.place.path], ['`services` must be a map', 'services'])
  const x = await load('c3.yaml', 'services:\n  a:\n    x-network: [1]\n')
  assert.equal(x.message, '`x-network` must be a map')
  assert.equal(x.place.path, 'services.a.x-network')
  const n = await errorOf(() => loadNetworkConfig({ networkFiles: [writeTemp('n1.yaml', '- a\n')], env: {}, probe: () => false }))
  assert.deepEqual([n.message, n.hint], ['a network file must be a map', 'top-level keys are links, bridges, tunnels, commands'])
  const none = await errorOf(() => loadNetworkConfig({ env: {} }))
  assert.equal(none.hint, 'pass --compose-file FILE and/or --network-file FILE')
})

test('compose files: services without x-network or with a null one are skipped; a top-level null x-network too', async () => {
  const f = writeTemp('c4.yaml', 'x-network:\nservices:\n  a:\n    image: x\n  b:\n    x-network:\n  c: null\n  d:\n    x-network:\n      links: [{bridge: s1}]\n')
  const { config } = await loadNetworkConfig({ composeFiles: [f], env: {}, probe: () => false })
  assert.deepEqual(Object.keys(config.services), ['d'])
  assert.equal(config.services.d.links[0].service, 'd')
})

test('interpolation: unclosed ${, nested braces, text after the last variable', async () => {
  const e = await loadError('links:\n  - {container: "a${X", bridge: s1}\n')
  assert.equal(e.message, 'unclosed `${` in "a${X"')
  assert.equal(e.hint, 'write `$$` for a literal `$`')
  assert.equal(e.place.path, 'links[0].container')
  const { config } = await loadNet('links:\n  - {container: "c${A:-${B}}x", bridge: s1}\n', { env: { B: 'b' } }).result
  assert.deepEqual(Object.keys(config.containers), ['cbx'])
  const out = { warnings: [], errors: [] }
  assert.equal(interpolateString('d$', {}, { file: 'f', path: 'p' }, out), 'd$')
  assert.equal(interpolateString('a}b${X}c}', { X: 'x' }, { file: 'f', path: 'p' }, out), 'a}bxc}')
  assert.equal(interpolateString('${X:-{a}}', {}, { file: 'f', path: 'p' }, out), '{a}')
  assert.deepEqual(out, { warnings: [], errors: [] })
})

test('configOptions: flag values or the defaults', () => {
  assert.deepEqual(configOptions({}), { composeFiles: [], networkFiles: [], defaultBridgeMode: 'auto', defaultMtu: 65535, keepVethOffload: false, configSchema: undefined })
  assert.deepEqual(
    configOptions({ 'compose-file': ['a.yaml'], 'network-file': ['n.yaml'], 'default-bridge-mode': 'linux', 'default-mtu': 1500, 'keep-veth-offload': true, 'config-schema': 's.yaml' }),
    { composeFiles: ['a.yaml'], networkFiles: ['n.yaml'], defaultBridgeMode: 'linux', defaultMtu: 1500, keepVethOffload: true, configSchema: 's.yaml' },
  )
  assert.equal(configFlags['default-bridge-mode'].env, 'CONLINK_BRIDGE_MODE')
  const mtu = configFlags['default-mtu'] as typeof configFlags['default-mtu'] & { min?: number; max?: number }
  assert.deepEqual([mtu.min, mtu.max, configFlags['default-mtu'].default], [68, 65535, 65535])
  assert.deepEqual(configFlags['default-bridge-mode'].options, ['auto', 'linux', 'ovs', 'patch'])
})

test('printConfig: the enriched JSON or the summary line on stdout, warnings through the log', async () => {
  const file = writeTemp('print.yaml', 'links:\n  - {container: "x$PRINT_UNSET", bridge: s1}\n')
  const options = { ...configOptions({ 'network-file': [file], 'default-bridge-mode': 'linux' }) }
  const printed: string[] = []
  const warned: string[] = []
  const write = process.stdout.write
  const warn = log.warn
  // under `node --test` the runner's own reports share stdout: keep only what printConfig wrote
  process.stdout.write = ((s: unknown, ...rest: unknown[]) =>
    typeof s === 'string' && /^(\{\n|OK: )/.test(s) ? (printed.push(s), true) : (write as (...a: unknown[]) => boolean).call(process.stdout, s, ...rest)) as typeof process.stdout.write
  log.warn = (m) => warned.push(m)
  try {
    await printConfig(options)
    await printConfig(options, { check: true })
  } finally {
    process.stdout.write = write
    log.warn = warn
  }
  assert.equal(printed.length, 2)
  assert.ok(printed[0].endsWith('\n}\n'))
  assert.deepEqual(Object.keys(JSON.parse(printed[0]).containers), ['x'])
  assert.equal(printed[1], 'OK: 1 bridge, 1 link (0 services, 1 container), 0 tunnels, 0 commands\n')
  assert.equal(warned.length, 2)
  assert.match(warned[0], /links\[0\]\.container: variable PRINT_UNSET is not set/)
})

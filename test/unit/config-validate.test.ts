import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { loadNetworkConfig } from '../../src/config/index.js'
import { isCidr } from '../../src/config/address.js'
import { FORMATS, isForward, isIfName, isMac } from '../../src/config/formats.js'
import { batchSafe, type Op } from '../../src/net/ops.js'
import { loadNet, rejectsWith, writeTemp } from './config-helpers.js'

const conlinkSchema = JSON.parse(readFileSync(new URL('../../schema/conlink.schema.json', import.meta.url), 'utf8'))

/** Each bad input: a network file body, the path the error must name, and text the message must contain. */
const BAD: [string, string, string, string][] = [
  ['unknown top-level key', 'links: []\nnetworks: {}\n', 'networks', 'unknown top-level key `networks`'],
  ['unknown link property', 'links:\n  - {service: a, bridge: s1, colour: red}\n', 'links[0].colour', 'unknown property `colour`'],
  ['veth without bridge', 'links:\n  - {service: a}\n  - {service: b, type: veth, dev: eth1}\n', 'links[1]', 'veth links need a bridge: add `bridge: s1`'],
  ['bridge on a dummy', 'links:\n  - {service: a, type: dummy, bridge: s1}\n', 'links[0].bridge', 'only veth links join a bridge'],
  ['vlan without vlanid', 'links:\n  - {service: a, type: vlan, outer-dev: eth0}\n', 'links[0]', 'vlan links need a VLAN id'],
  ['vlanid on macvlan', 'links:\n  - {service: a, type: macvlan, outer-dev: eth0, vlanid: 5}\n', 'links[0].vlanid', 'only vlan links have `vlanid`'],
  ['mode on veth', 'links:\n  - {service: a, bridge: s1, mode: bridge}\n', 'links[0].mode', '`mode` is only for macvlan'],
  ['both service and container', 'links:\n  - {service: a, container: b, bridge: s1}\n', 'links[0].container', 'either `service` or `container`, not both'],
  ['neither service nor container', 'links:\n  - {bridge: s1}\n', 'links[0]', 'needs `service` or `container`'],
  ['dev of 16 characters', 'links:\n  - {service: a, bridge: s1, dev: abcdefghijklmnop}\n', 'links[0].dev', 'invalid interface name "abcdefghijklmnop"'],
  ['dev with a slash', 'links:\n  - {service: a, bridge: s1, dev: "a/b"}\n', 'links[0].dev', 'invalid interface name'],
  ['ip with octet 300', 'links:\n  - {service: a, bridge: s1, ip: 10.0.0.300/24}\n', 'links[0].ip', 'invalid IP address with prefix "10.0.0.300/24"'],
  ['ip without prefix', 'links:\n  - {service: a, bridge: s1, ip: 10.0.0.1}\n', 'links[0].ip', 'has no prefix length'],
  ['MAC with 5 octets', 'links:\n  - {service: a, bridge: s1, mac: "00:0a:0b:0c:0d"}\n', 'links[0].mac', 'invalid MAC address'],
  ['forward 80-80/tcp', 'links:\n  - {service: a, bridge: s1, ip: 10.0.0.1/24, forward: "80-80/tcp"}\n', 'links[0].forward', 'invalid forward "80-80/tcp"'],
  ['forward 80:80/sctp', 'links:\n  - {service: a, bridge: s1, ip: 10.0.0.1/24, forward: [8080:80/tcp, "80:80/sctp"]}\n', 'links[0].forward[1]', 'invalid forward "80:80/sctp"'],
  ['forward port 0', 'links:\n  - {service: a, bridge: s1, ip: 10.0.0.1/24, forward: "0:80/tcp"}\n', 'links[0].forward', 'invalid forward'],
  ['forward without ip', 'links:\n  - {service: a, bridge: s1, forward: "80:80/tcp"}\n', 'links[0]', 'add `ip:'],
  ['forward on a dummy', 'links:\n  - {service: a, type: dummy, ip: 10.0.0.1/24, forward: "80:80/tcp"}\n', 'links[0].forward', '`forward` is only for veth links'],
  ['nat without ip', 'links:\n  - {service: a, bridge: s1, nat: 10.0.0.9}\n', 'links[0]', 'add `ip:'],
  ['bridge mode foo', 'bridges:\n  - {bridge: s1, mode: foo}\n', 'bridges[0].mode', '"foo" is not one of auto, linux, ovs, patch'],
  ['mtu too small', 'links:\n  - {service: a, bridge: s1, mtu: 10}\n', 'links[0].mtu', 'must be >= 68'],
  ['mtu not a number', 'links:\n  - {service: a, bridge: s1, mtu: big}\n', 'links[0].mtu', 'must be integer'],
  ['mac on ipvlan', 'links:\n  - {service: a, type: ipvlan, outer-dev: eth0, mac: "00:0a:0b:0c:0d:01"}\n', 'links[0].mac', '`mac` is not allowed'],
  ['outer-dev on dummy', 'links:\n  - {service: a, type: dummy, outer-dev: x}\n', 'links[0].outer-dev', '`outer-dev` is not allowed'],
  ['unknown link type', 'links:\n  - {service: a, type: tun}\n', 'links[0].type', '"tun" is not one of veth'],
  ['shell-injection route', `links:\n  - {service: a, bridge: s1, route: "10.8.0.0/24 via 10.9.0.254'; touch /tmp/x; echo '"}\n`, 'links[0].route', 'which is not allowed'],
  ['semicolon in netem list', 'links:\n  - {service: a, bridge: s1, netem: ["delay 1ms", "delay 1ms; reboot"]}\n', 'links[0].netem[1]', 'contains `;`'],
  ['$( in ethtool', 'links:\n  - {service: a, bridge: s1, ethtool: "-K $$(id)"}\n', 'links[0].ethtool', 'contains `$`'],
  ['tunnel bad type', 'tunnels:\n  - {type: gre, bridge: s1, remote: 10.0.0.2, vni: 5}\n', 'tunnels[0].type', '"gre" is not one of vxlan, geneve'],
  ['tunnel vni too large', 'tunnels:\n  - {type: vxlan, bridge: s1, remote: 10.0.0.2, vni: 16777216}\n', 'tunnels[0].vni', 'must be <= 16777215'],
  ['tunnel remote not an address', 'tunnels:\n  - {type: vxlan, bridge: s1, remote: 10.0.0.2/24, vni: 5}\n', 'tunnels[0].remote', 'invalid IP address "10.0.0.2/24"'],
  ['tunnel missing vni', 'tunnels:\n  - {type: vxlan, bridge: s1, remote: 10.0.0.2}\n', 'tunnels[0]', 'missing `vni`'],
  ['command without target', 'commands:\n  - {command: "true"}\n', 'commands[0]', 'needs `service` or `container`'],
  ['command unknown key', 'commands:\n  - {service: a, command: "true", shell: bash}\n', 'commands[0].shell', 'unknown property `shell`'],
  ['links not a list', 'links: {service: a}\n', 'links', 'must be array'],
  ['link not a map', 'links: [hello]\n', 'links[0]', 'must be object'],
]

for (const [name, body, path, message] of BAD) {
  test(`rejects ${name}`, async () => {
    const { file, result } = loadNet(body)
    await rejectsWith(result, `${file}: ${path}: `, message)
  })
}

test('all errors are reported at once', async () => {
  const { result } = loadNet('links:\n  - {service: a, bridge: s1, mac: x}\n  - {service: b, bridge: s1, ip: x}\nfoo: 1\n')
  const text = await rejectsWith(result, 'links[0].mac', 'links[1].ip', 'unknown top-level key `foo`')
  assert.equal(text.split('\n').length, 3)
})

test('errors in compose service x-network name the full path', async () => {
  const f = writeTemp('svc.yaml', 'services:\n  node:\n    image: x\n    x-network:\n      links:\n        - {bridge: s1, mac: bad}\n')
  await rejectsWith(loadNetworkConfig({ composeFiles: [f], env: {}, probe: () => false }), `${f}: services.node.x-network.links[0].mac: invalid MAC address "bad"`)
})

test('valid: every link type and a tunnel pass', async () => {
  const { result } = loadNet(
    `links:
  - {service: a, bridge: s1, ip: 10.0.0.1/24, mac: "00:0a:0b:0c:0d:01", mtu: 1500, route: [default via 10.0.0.254], nat: 10.1.1.1, netem: delay 1ms, forward: [80:80/tcp], ethtool: --offload rx off}
  - {service: a, type: dummy, dev: d0, ip: 8.8.8.8/24}
  - {service: a, type: vlan, dev: v5, outer-dev: eth0, vlanid: 5}
  - {service: a, type: macvlan, dev: m0, outer-dev: eth0, mode: bridge}
  - {service: a, type: macvtap, dev: mt0, outer-dev: eth0, mode: vepa}
  - {service: a, type: ipvlan, dev: i0, outer-dev: eth0, mode: l2}
  - {service: a, type: ipvtap, dev: it0, outer-dev: eth0, mode: l3}
tunnels:
  - {type: geneve, bridge: s2, remote: 192.168.0.2, vni: 1001, netem: delay 5ms}
commands:
  - {service: a, command: [ip, addr]}
`,
    { defaultBridgeMode: 'linux' },
  )
  const { config } = await result
  assert.equal(config.services.a.links.length, 7)
})

test('format checkers', () => {
  assert.ok(isCidr('0.0.0.0/0') && isCidr('255.255.255.255/32') && !isCidr('1.2.3.4/33') && !isCidr('1.2.3/8') && !isCidr('1.2.3.4/24/1'))
  assert.ok(isMac('00:0A:0b:0c:0d:01') && !isMac('00-0a-0b-0c-0d-01') && !isMac('00:0a:0b:0c:0d:0g'))
  assert.ok(isIfName('eth0') && isIfName('a'.repeat(15)) && !isIfName('') && !isIfName('a'.repeat(16)) && !isIfName('a b') && !isIfName('a:b') && !isIfName('..'))
  assert.ok(isForward('1:65535/udp') && !isForward('65536:1/tcp') && !isForward('80:80') && !isForward('80:80/TCP'))
})

test('the compiled validator is the schema\'s as it is now, and every format it names has a check', async () => {
  const { VALIDATOR_FILE, validatorSource } = await import('../../scripts/compile-schema.mjs')
  assert.ok(readFileSync(VALIDATOR_FILE, 'utf8') === validatorSource(), 'src/config/schema-validator.gen.ts is stale: run `npm run build`')
  const named = new Set(JSON.stringify(conlinkSchema).match(/"format":"[^"]+"/g)?.map((f) => f.slice(10, -1)))
  assert.deepEqual([...named].sort(), Object.keys(FORMATS).sort())
  assert.deepEqual(Object.keys(conlinkSchema.properties), ['links', 'bridges', 'tunnels', 'commands'])
})

test('route and netem words that stop a batch are rejected at validation (issue 12)', async () => {
  await rejectsWith(loadNet('links: [{container: a, bridge: s1, route: "default via 10.0.0.1 help"}]\n').result, 'links[0].route', 'the word `help` makes ip print its help')
  await rejectsWith(loadNet('links: [{container: a, bridge: s1, route: ["10.1.0.0/16 via 10.0.0.1", "10.2.0.0/16 he"]}]\n').result, 'links[0].route[1]', 'the word `he`')
  await rejectsWith(loadNet('links: [{container: a, bridge: s1, netem: "delay 10ms h"}]\n').result, 'links[0].netem', 'makes tc print its help')
  const many = Array(80).fill('mtu 1400').join(' ')
  await rejectsWith(loadNet(`links: [{container: a, bridge: s1, route: "${many}"}]\n`).result, 'links[0].route', 'has 160 words, more than the 64 allowed')
  const { result } = loadNet('links: [{container: a, bridge: s1, route: "10.1.0.0/16 via 10.0.0.1 hoplimit 5"}]\n')
  assert.equal((await result).config.containers.a.links[0].route.length, 1, 'hoplimit is not help')
})

test('the batch check rejects NUL', () => {
  assert.equal(batchSafe({ kind: 'ip', args: ['link', 'set', 'x\0y'] } as Op), false)
  assert.equal(batchSafe({ kind: 'ip', args: ['link', 'set', 'xy'] } as Op), true)
})

test('the schema is valid JSON Schema (conlink compiles it without the meta-schema check)', async () => {
  const { Ajv } = await import('ajv')
  const ajv = new Ajv({ allowUnionTypes: true, strict: false })
  assert.equal(ajv.validateSchema(conlinkSchema), true, JSON.stringify(ajv.errors))
})

// Drop-in for upstream conlink 2.6: `--format upstream`, net2dot reading both
// shapes, `--config-schema`, the /app/build/conlink.js entry point and VERBOSE.
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { formatConfig, loadNetworkConfig } from '../../src/config/index.js'
import { toUpstreamShape } from '../../src/config/upstream.js'
import { parseConfigJson } from '../../src/graph/input.js'
import { networkToDot } from '../../src/graph/dot.js'
import { rejectsWith, writeTemp } from '../unit/config-helpers.js'
import { ensureBuilt } from './tools-cli.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const env = { ...process.env }
delete env.CONLINK_BRIDGE_MODE
delete env.VERBOSE

before(ensureBuilt)

const NET = `bridges: [{bridge: s1, mode: auto}]
links:
  - {service: node, bridge: s1, ip: 10.0.0.1/24, forward: ["8080:80/tcp", "53:53/udp"], route: "default via 10.0.0.254"}
  - {service: node, type: macvlan, dev: m0, outer-dev: eth0, mode: bridge}
  - {container: box, bridge: s2}
commands:
  - {service: cmdonly, command: "true"}
`

async function load(text: string, more: object = {}) {
  const file = writeTemp(`up-${Math.random().toString(36).slice(2)}.yaml`, text)
  return (await loadNetworkConfig({ networkFiles: [file], env: {}, probe: () => false, ...more })).config
}

test('--format upstream: bridges {bridge, mode}, link bridge as that map, forwards [port, port, proto], no origins', async () => {
  const up = toUpstreamShape(await load(NET))
  assert.deepEqual(Object.keys(up), ['bridges', 'tunnels', 'containers', 'services'])
  assert.deepEqual(up.bridges, { s1: { bridge: 's1', mode: 'linux' }, s2: { bridge: 's2', mode: 'linux' } })
  assert.equal(up.tunnels, null)
  const [veth, macvlan] = up.services.node.links as Record<string, unknown>[]
  assert.deepEqual(veth.bridge, { bridge: 's1', mode: 'linux' })
  assert.deepEqual(veth.forward, [[8080, 80, 'tcp'], [53, 53, 'udp']])
  assert.deepEqual(veth.route, ['default via 10.0.0.254'])
  assert.deepEqual(veth.ethtool, ['--offload tx off'])
  assert.equal(veth.base, 'conlink')
  assert.equal(veth.origin, undefined)
  assert.equal(veth.netem, undefined, 'empty lists are left out, as upstream does')
  assert.equal(macvlan.mtu, undefined)
  assert.deepEqual(macvlan.ethtool, [])
  assert.equal(macvlan.base, 'host')
  assert.deepEqual(up.services.cmdonly, { commands: [{ service: 'cmdonly', command: 'true' }] })
  assert.deepEqual(Object.keys(up.containers), ['box'])
  const text = formatConfig(await load(NET), 'upstream')
  assert.ok(!text.includes('\n'), 'one line, like upstream')
})

test('--format upstream: tunnels as a list, port only when not the default', async () => {
  const up = toUpstreamShape(await load('tunnels:\n  - {type: vxlan, bridge: s1, remote: 10.9.9.9, vni: 7}\n  - {type: vxlan, bridge: s1, remote: 10.9.9.8, vni: 8, port: 4789}\n'))
  assert.deepEqual(up.tunnels, [
    { type: 'vxlan', bridge: 's1', remote: '10.9.9.9', vni: 7 },
    { type: 'vxlan', bridge: 's1', remote: '10.9.9.8', vni: 8, port: 4789 },
  ])
})

test('net2dot: upstream-shaped JSON draws the same graph as conlink-shaped JSON', async () => {
  const config = await load(NET + 'tunnels:\n  - {type: vxlan, bridge: s1, remote: 10.9.9.9, vni: 7}\n')
  const ours = networkToDot(parseConfigJson(formatConfig(config)))
  const theirs = networkToDot(parseConfigJson(formatConfig(config, 'upstream')))
  // upstream prints only the resolved bridge mode
  assert.equal(theirs, ours.replaceAll('(auto: linux)', '(linux)'))
  assert.doesNotMatch(theirs, /object Object/)
  assert.match(ours, /vni 7\\nudp 8472/)
})

test('net2dot: stdin is validated with paths', () => {
  const bad = (doc: unknown, pattern: RegExp) =>
    assert.throws(() => parseConfigJson(JSON.stringify(doc)), (e: Error & { describe(): string }) => {
      assert.match(e.describe(), pattern)
      return true
    })
  const base = { bridges: {}, tunnels: null, containers: {} }
  bad({ ...base, services: { a: { links: [{ dev: 'eth0', bridge: 5 }] } } }, /^<stdin>: services\.a\.links\[0\]\.bridge: .*got 5/)
  bad({ ...base, services: { a: { links: [{ bridge: { mode: 'linux' } }] } } }, /services\.a\.links\[0\]\.bridge\.bridge/)
  bad({ ...base, services: { a: { links: 'x' } } }, /services\.a\.links: not a list/)
  bad({ ...base, services: { a: { links: [{ type: 'gre', bridge: 's1' }] } } }, /links\[0\]\.type must be one of veth/)
  bad({ ...base, bridges: { s1: { bridge: 's1', mode: 'fast' } }, services: {} }, /bridges\.s1\.mode must be one of/)
  bad({ ...base, tunnels: {}, services: {} }, /tunnels/)
  bad({ ...base, tunnels: [{ type: 'vxlan', bridge: 's1', remote: '1.2.3.4' }], services: {} }, /tunnels\[0\]\.vni/)
  bad(['x'], /bridges/)
})

test('--config-schema: the merged config must also match the given schema; errors name file and path', async () => {
  const schema = writeTemp('need-ip.yaml', `type: object
properties:
  links:
    type: array
    items: {type: object, required: [ip]}
`)
  const file = writeTemp('no-ip.yaml', 'links:\n  - {service: a, bridge: s1, ip: 10.0.0.1/24}\n  - {service: b, bridge: s1}\n')
  await rejectsWith(loadNetworkConfig({ networkFiles: [file], env: {}, probe: () => false, configSchema: schema }), `${file}: links[1]`, "must have required property 'ip'", schema)
  const ok = writeTemp('ip.yaml', 'links:\n  - {service: a, bridge: s1, ip: 10.0.0.1/24}\n')
  await loadNetworkConfig({ networkFiles: [ok], env: {}, probe: () => false, configSchema: schema })
  // conlink's own schema works as a --config-schema file (upstream's default path in the image points at it)
  await loadNetworkConfig({ networkFiles: [ok], env: {}, probe: () => false, configSchema: join(root, 'schema/conlink.schema.json') })
  await rejectsWith(loadNetworkConfig({ networkFiles: [ok], env: {}, probe: () => false, configSchema: '/nonexistent/schema.yaml' }), '/nonexistent/schema.yaml', 'does not exist')
})

function run(script: string, args: string[], extraEnv: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8', env: { ...env, ...extraEnv } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

test('/app/build/conlink.js (a link to bin/conlink-up.js) is `conlink up`: --show-config, --format, VERBOSE as -v', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dropin-entry-'))
  const entry = join(dir, 'conlink.js')
  symlinkSync(join(root, 'bin/conlink-up.js'), entry)
  const shown = run(entry, ['--show-config', '--compose-file', 'examples/test1-compose.yaml', '--default-bridge-mode', 'linux'])
  assert.equal(shown.code, 0, shown.stderr)
  assert.deepEqual(Object.keys(JSON.parse(shown.stdout).services).sort(), ['h1', 'h2', 'h3', 'r0'])
  const up = run(entry, ['--show-config', '--format', 'upstream', '--compose-file', 'examples/test1-compose.yaml', '--default-bridge-mode', 'linux'])
  assert.deepEqual(JSON.parse(up.stdout).bridges.s1, { bridge: 's1', mode: 'linux' })
  const launch = (e: Record<string, string>) => run(entry, ['--compose-file', 'examples/test1-compose.yaml', '--no-inside', '--dry-run'], e).stdout
  assert.match(launch({ VERBOSE: '1' }), / conlink up -v /)
  assert.doesNotMatch(launch({ VERBOSE: '0' }), / conlink up -v /)
  assert.doesNotMatch(launch({}), / conlink up -v /)
})

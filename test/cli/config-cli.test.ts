// `conlink config` as a user runs it: the built CLI (npm test builds it first).
import { test, before } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { writeTemp } from '../unit/config-helpers.js'
import { ensureBuilt } from './tools-cli.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const env = { ...process.env }
delete env.CONLINK_BRIDGE_MODE

function conlink(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/conlink.js', 'config', ...args], { cwd: root, encoding: 'utf8', env })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

before(() => ensureBuilt())

test('T1: JSON lists bridges s1,s2,s3 and services h1,h2,h3,r0', () => {
  const r = conlink('--compose-file', 'examples/test1-compose.yaml')
  assert.equal(r.code, 0, r.stderr)
  const config = JSON.parse(r.stdout)
  assert.deepEqual(Object.keys(config.bridges).sort(), ['s1', 's2', 's3'])
  assert.deepEqual(Object.keys(config.services).sort(), ['h1', 'h2', 'h3', 'r0'])
  assert.equal(config.services.r0.links.length, 3)
  assert.match(r.stdout, /^\{\n {2}"bridges"/, '2-space indented JSON')
})

test('--check prints a one-line summary', () => {
  const r = conlink('--check', '--compose-file', 'examples/test1-compose.yaml', '--default-bridge-mode', 'linux')
  assert.equal(r.code, 0, r.stderr)
  assert.equal(r.stdout, 'OK: 3 bridges, 6 links (4 services, 0 containers), 0 tunnels, 0 commands\n')
  assert.equal(r.stderr, '', 'no OVS warning when mode is linux')
})

test('options: --default-mtu, --keep-veth-offload, colon-separated files', () => {
  const r = conlink('--default-mtu', '5111', '--keep-veth-offload', '--default-bridge-mode', 'linux', '--compose-file', 'examples/test2-compose.yaml', '--network-file', 'examples/test2-network.yaml:examples/test2-dummy-network.yaml')
  assert.equal(r.code, 0, r.stderr)
  const config = JSON.parse(r.stdout)
  assert.equal(config.services.node.links[0].mtu, 5111)
  assert.deepEqual(config.services.node.links[0].ethtool, [])
  assert.equal(config.services.internet.links[1].type, 'dummy')
})

test('a bad file: non-zero exit and a message naming file and path', () => {
  const f = writeTemp('cli-bad.yaml', 'links:\n  - {service: a, bridge: s1, mac: "00:0a:0b:0c:0d"}\n')
  const r = conlink('--network-file', f)
  assert.notEqual(r.code, 0)
  assert.equal(r.stdout, '')
  assert.match(r.stderr, new RegExp(`ERROR: ${f.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: links\\[0\\]\\.mac: invalid MAC address`))
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace')
})

test('a missing file and a non-YAML compose file', () => {
  const missing = conlink('--compose-file', '/nonexistent/h1.yaml')
  assert.notEqual(missing.code, 0)
  assert.match(missing.stderr, /\/nonexistent\/h1\.yaml: file does not exist/)
  const bad = writeTemp('cli-notyaml.yaml', 'services:\n  a: [x\n  b: }\n')
  const r = conlink('--compose-file', bad)
  assert.notEqual(r.code, 0)
  assert.match(r.stderr, /not valid YAML at line \d+, column \d+/)
})

test('warnings go to stderr, config to stdout', () => {
  const f = writeTemp('cli-warn.yaml', 'links:\n  - {container: "x$H1_UNSET_VAR", bridge: s1}\n')
  const r = conlink('--network-file', f, '--default-bridge-mode', 'linux')
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stderr, /WARNING: .*links\[0\]\.container: variable H1_UNSET_VAR is not set/)
  assert.ok(JSON.parse(r.stdout).containers.x)
})

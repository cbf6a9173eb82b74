// What `conlink config` and `conlink up` share: the config flags, and printing the config.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { configFlags, formatFlag, printConfig } from '../../src/config/command.js'
import { BRIDGE_MODES, DEFAULT_MTU } from '../../src/config/types.js'
import { writeTemp } from './config-helpers.js'

const NETWORK = writeTemp('config-command-net.yaml', 'links:\n  - {service: a, bridge: s1, ip: 10.0.0.1/24}\n  - {container: "c1${CONLINK_TEST_UNSET_H15}", bridge: s1}\n')

test('the config flags: defaults, choices, the environment variable, repeatable files, and a description each (limits: mutants-config)', () => {
  assert.equal(configFlags['default-mtu'].default, DEFAULT_MTU)
  assert.equal(configFlags['default-bridge-mode'].default, 'auto')
  assert.deepEqual(configFlags['default-bridge-mode'].options, [...BRIDGE_MODES])
  assert.equal(configFlags['default-bridge-mode'].env, 'CONLINK_BRIDGE_MODE')
  assert.equal(configFlags['compose-file'].multiple, true)
  assert.equal(configFlags['network-file'].multiple, true)
  assert.equal(configFlags['keep-veth-offload'].type, 'boolean')
  assert.deepEqual(formatFlag.options, ['json', 'upstream'])
  assert.equal(formatFlag.default, 'json')
  for (const [name, flag] of Object.entries({ ...configFlags, format: formatFlag })) assert.ok((flag.description ?? '').length > 30, `--${name} says what it does`)
})

async function printed(options: Parameters<typeof printConfig>[1]): Promise<{ out: string; err: string }> {
  const [write, writeErr] = [process.stdout.write, process.stderr.write]
  let [out, err] = ['', '']
  // the test runner's own messages (on stdout, binary or TAP) are let through
  const ours = (chunk: unknown): chunk is string => typeof chunk === 'string' && /^(\{|OK: |WARNING: )/.test(chunk)
  process.stdout.write = ((s: unknown, ...rest: unknown[]) => (ours(s) ? ((out += s), true) : (write as (...a: unknown[]) => boolean).call(process.stdout, s, ...rest))) as typeof write
  process.stderr.write = ((s: unknown, ...rest: unknown[]) => (ours(s) ? ((err += s), true) : (writeErr as (...a: unknown[]) => boolean).call(process.stderr, s, ...rest))) as typeof write
  try {
    await printConfig({ composeFiles: [], networkFiles: [NETWORK], defaultBridgeMode: 'linux', defaultMtu: 1500, keepVethOffload: false }, options)
  } finally {
    ;[process.stdout.write, process.stderr.write] = [write, writeErr]
  }
  return { out, err }
}

test('printConfig: the enriched config as indented JSON, upstream\'s one-line shape, or a summary; warnings on stderr', async () => {
  const json = await printed({})
  assert.match(json.out, /^\{\n {2}"bridges"/)
  assert.ok(json.out.endsWith('}\n'))
  assert.equal(JSON.parse(json.out).bridges.s1.mode, 'linux')
  const upstream = await printed({ format: 'upstream' })
  assert.equal(upstream.out.trim().split('\n').length, 1)
  assert.deepEqual(JSON.parse(upstream.out).bridges.s1, { bridge: 's1', mode: 'linux' })
  const summary = await printed({ check: true })
  assert.equal(summary.out, 'OK: 1 bridge, 2 links (1 service, 1 container), 0 tunnels, 0 commands\n')
  assert.match(json.err, /^WARNING: /m)
})

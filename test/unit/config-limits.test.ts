// Bounded, clear input (issue 12): alias bombs, duplicate keys, depth,
// cycles, nested `${...}`, Compose's YAML tags, long values in messages.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { loadNetworkConfig } from '../../src/config/index.js'
import { loadComposeFile } from '../../src/config/load.js'
import { loadNet, rejectsWith, writeTemp } from './config-helpers.js'

/** The classic billion laughs: 9 levels of 9 aliases (a few hundred bytes). */
function aliasBomb(indent = ''): string {
  const lines = [`${indent}a: &a ["x","x","x","x","x","x","x","x","x"]`]
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i)
    const name = String.fromCharCode(97 + i)
    lines.push(`${indent}${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`)
  }
  return lines.join('\n') + '\n'
}

const quick = async (what: string, f: () => Promise<unknown>) => {
  const t0 = performance.now()
  await f()
  const ms = performance.now() - t0
  assert.ok(ms < 1000, `${what} took ${Math.round(ms)} ms`)
}

test('an alias bomb is rejected in well under a second, naming the file', async () => {
  const bomb = aliasBomb('  ')
  assert.ok(bomb.length < 600)
  await quick('network file', () => rejectsWith(loadNet(`x-bomb:\n${bomb}links: []\n`).result, /net-.*\.yaml: x-bomb.*: alias expansion too large/))
  const compose = writeTemp('bomb-compose.yaml', `x-network:\n  x-bomb:\n${aliasBomb('    ')}services: {}\n`)
  await quick('compose x-network', () => rejectsWith(loadNetworkConfig({ env: {}, probe: () => false, composeFiles: [compose] }), 'bomb-compose.yaml: x-network.x-bomb', 'alias expansion too large'))
})

test('an alias bomb outside x-network is not conlink’s to read: the file loads', async () => {
  const f = writeTemp('bomb-outside.yaml', `x-bomb:\n${aliasBomb('  ')}services:\n  a:\n    image: x\n    x-network: {links: [{bridge: s1}]}\n`)
  await quick('outside', async () => {
    const { config } = await loadNetworkConfig({ env: {}, probe: () => false, composeFiles: [f] })
    assert.equal(config.services.a.links.length, 1)
  })
})

test('aliases that fit the bound still work (merge keys, shared lists)', async () => {
  const { result } = loadNet('links:\n  - &l {container: a, bridge: s1, route: &r [default via 10.0.0.254]}\n  - {container: b, bridge: s1, route: *r}\n  - {<<: *l, container: c}\n')
  const { config } = await result
  assert.deepEqual(config.containers.b.links[0].route, config.containers.a.links[0].route)
  assert.deepEqual(config.containers.c.links[0].route, config.containers.a.links[0].route)
})

test('a cycle through an alias is an error, not a hang', async () => {
  await rejectsWith(loadNet('links: &l [*l]\n').result, /net-.*: links\[0\]: an alias refers to a value that contains it/)
})

test('duplicate keys are rejected, in YAML and in JSON', async () => {
  await rejectsWith(loadNet('links: []\nlinks: [{container: a, bridge: s1}]\n').result, /line 2.*duplicated mapping key/)
  await rejectsWith(loadNet('links:\n  - {container: a, bridge: s1, bridge: s2}\n').result, 'duplicated mapping key')
  const json = writeTemp('dup.json', '{"links": [{"container": "a", "bridge": "s1", "bridge": "s2"}]}')
  await rejectsWith(loadNetworkConfig({ env: {}, probe: () => false, networkFiles: [json] }), 'dup.json', 'duplicated mapping key')
  // keys that look alike inside strings are not keys
  const ok = writeTemp('ok.json', '{"links": [{"container": "a", "bridge": "s1", "route": ["x\\":y", "a\\\\"]}], "x-note": "\\"links\\": 1"}')
  await rejectsWith(loadNetworkConfig({ env: {}, probe: () => false, networkFiles: [ok] }), 'route')
})

test('deep nesting is a clear error naming the file, never a stack overflow', async () => {
  for (const [name, text] of [
    ['deep.yaml', `links: ${'['.repeat(5000)}${']'.repeat(5000)}\n`],
    ['deep.json', `{"links": ${'['.repeat(200000)}${']'.repeat(200000)}}`],
    ['deep2.yaml', `links: ${'['.repeat(80)}${']'.repeat(80)}\n`],
  ]) {
    const f = writeTemp(name, text)
    const msg = await rejectsWith(loadNetworkConfig({ env: {}, probe: () => false, networkFiles: [f] }), name, /nesting|maxDepth/)
    assert.doesNotMatch(msg, /call stack/)
  }
})

test('`${A:-${A:-...}}` nested thousands deep is an error, quickly', async () => {
  const value = '${A:-'.repeat(5000) + 'x' + '}'.repeat(5000)
  await quick('nested', async () => {
    const msg = await rejectsWith(loadNet(`links: [{container: a, bridge: s1, ip: "${value}"}]\n`).result, 'links[0].ip', /nested more than 32 deep/)
    assert.ok(msg.length < 600, `message is ${msg.length} characters`)
  })
  const { result } = loadNet(`links: [{container: a, bridge: s1, ip: "\${A:-\${B:-\${C:-10.0.0.1/24}}}"}]\n`)
  assert.equal((await result).config.containers.a.links[0].ip, '10.0.0.1/24')
})

test('Compose tags: other tags outside x-network are ignored; !reset and !override keep their meaning inside', async () => {
  const base = writeTemp(
    'tags-a.yaml',
    [
      'x-custom: !custom {a: 1}',
      'services:',
      '  a:',
      '    image: !!str x',
      '    environment: !env_var FOO',
      '    ports: !reset []',
      '    x-network:',
      '      links: [{bridge: s1, route: [default via 10.0.0.254], mtu: 1400}, {bridge: s2, dev: eth1}]',
      '  b:',
      '    x-network:',
      '      links: [{bridge: s1}]',
      'x-network:',
      '  bridges: [{bridge: s1, mode: linux}]',
      '',
    ].join('\n'),
  )
  const over = writeTemp(
    'tags-b.yaml',
    [
      'services:',
      '  a:',
      '    x-network:',
      '      links: [{bridge: s1, route: !reset null, mtu: !override 1500}]',
      '  b:',
      '    x-network:',
      '      links: !override [{bridge: s4}]',
      'x-network:',
      '  bridges: !reset []',
      '  links: !override [{service: b, dev: eth1, bridge: s3}]',
      '',
    ].join('\n'),
  )
  const { config } = await loadNetworkConfig({ env: {}, probe: () => false, composeFiles: [base, over] })
  // each tag acts on what earlier files said at the same place (top-level, or one service's x-network)
  assert.deepEqual(config.services.b.links.map((l) => `${l.dev}:${l.bridge}`).sort(), ['eth0:s4', 'eth1:s3'])
  const a = config.services.a.links.find((l) => l.dev === 'eth0')!
  assert.deepEqual(a.route, [])
  assert.equal(a.mtu, 1500)
  assert.equal(config.services.a.links.length, 2)
  assert.deepEqual(Object.keys(config.bridges).sort(), ['s1', 's2', 's3', 's4'])

  const bad = writeTemp('tags-bad.yaml', 'services:\n  a:\n    x-network:\n      links: [{bridge: !custom s1}]\n')
  await rejectsWith(loadNetworkConfig({ env: {}, probe: () => false, composeFiles: [bad] }), 'tags-bad.yaml: services.a.x-network.links[0].bridge: unknown tag !custom')
  assert.ok(loadComposeFile(base).length >= 2)
})

test('error messages quote at most about 200 characters of a bad value', async () => {
  const long = 'x'.repeat(100_000)
  const msg = await rejectsWith(loadNet(`links: [{container: a, bridge: s1, mac: "${long}"}]\n`).result, 'links[0].mac', '(100002 characters)')
  assert.ok(msg.length < 500, `message is ${msg.length} characters`)
})

test('a link key tagged !override replaces the earlier list instead of concatenating; !reset drops it', async () => {
  const base = writeTemp('ovr-a.yaml', 'services:\n  a:\n    x-network:\n      links: [{bridge: s1, route: [10.1.0.0/16 via 10.0.0.1], forward: ["80:80/tcp"], ip: 10.0.0.2/24}]\n')
  const over = writeTemp('ovr-b.yaml', 'services:\n  a:\n    x-network:\n      links: [{bridge: s1, route: !override ["${NET}/16 via 10.0.0.9"], forward: !reset null}]\n')
  const { config } = await loadNetworkConfig({ env: { NET: '10.2.0.0' }, probe: () => false, composeFiles: [base, over] })
  const link = config.services.a.links[0]
  assert.deepEqual(link.route, ['10.2.0.0/16 via 10.0.0.9'])
  assert.deepEqual(link.forward, [])
})

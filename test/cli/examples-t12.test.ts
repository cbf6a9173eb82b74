// T12 (k3s) without k3s: the mdc modes resolve, compose accepts the merged
// files, the network config loads and draws, and the node start script
// hands k3s the right arguments. The live run is test/e2e/up-t12.test.ts.
import assert from 'node:assert/strict'
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { loadNetworkConfig } from '../../src/config/index.js'
import { networkToDot } from '../../src/graph/dot.js'
import { dotToSvg } from '../../src/graph/svg.js'
import { ROOT, ensureBuilt, mdcBin, runProgram } from './tools-cli.js'

const tmp = mkdtempSync('/tmp/t12-')
const MODES_DIR = './modes:./examples/test12-k3s/modes'
const env = { ...process.env, MODES_DIR, MDC_DRY_RUN: '', DOCKER_COMPOSE: '' }
const SERVICES = ['k3s-server', 'k3s-agent-1', 'k3s-agent-2', 'test-client', 'test-server']

before(() => {
  ensureBuilt()
  cpSync(join(ROOT, 'modes'), join(tmp, 'modes'), { recursive: true })
  cpSync(join(ROOT, 'examples/test12-k3s'), join(tmp, 'examples/test12-k3s'), { recursive: true })
})
after(() => rmSync(tmp, { recursive: true, force: true }))

/** COMPOSE_FILE as mdc wrote it into .env, as absolute paths. */
function composeFiles(): string[] {
  const line = readFileSync(join(tmp, '.env'), 'utf8').match(/^COMPOSE_FILE=(.*)$/m)
  assert.ok(line, '.env has COMPOSE_FILE')
  return line[1].split(':').map((f) => join(tmp, f))
}

test('T12: mdc resolves k3s to conlink + k3s and writes COMPOSE_FILE', async () => {
  const r = await mdcBin(['k3s'], { cwd: tmp, env })
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stderr, /^MODES: conlink k3s$/m)
  assert.deepEqual(
    composeFiles().map((f) => f.slice(tmp.length + 1)),
    ['.compose-empty.yaml', 'modes/conlink/compose.yaml', 'examples/test12-k3s/modes/k3s/compose.yaml'],
  )
})

test('T12: the network config loads (bridge k0, eth1 of every node) and draws', async () => {
  const r = await mdcBin(['k3s'], { cwd: tmp, env })
  assert.equal(r.code, 0, r.stderr)
  const { config } = await loadNetworkConfig({ composeFiles: composeFiles(), probe: () => false })
  assert.deepEqual(config.bridges, { k0: { bridge: 'k0', mode: 'linux', 'resolved-mode': 'linux' } })
  assert.deepEqual(Object.keys(config.services).sort(), [...SERVICES].sort())
  for (const [i, svc] of SERVICES.entries()) {
    const [link] = config.services[svc].links
    assert.equal(link.dev, 'eth1', svc)
    assert.equal(link.ip, `10.200.0.${i < 3 ? i + 1 : i + 7}/24`, svc)
  }
  assert.deepEqual(config.services['test-client'].links[0].route, ['10.128.0.0/15 via 10.200.0.2'])
  const svg = (await dotToSvg(networkToDot(config))).replace(/&#45;/g, '-')
  for (const text of ['bridge k0 (linux)', ...SERVICES.map((s) => `service ${s}`), ...SERVICES.map((s) => `>${s}_1-eth1<`)]) {
    assert.ok(svg.includes(text), `${text} is in the SVG`)
  }
})

test('T12: docker-compose accepts the merged files', async (t) => {
  if (!existsSync('/usr/bin/docker-compose')) return t.skip('docker-compose (v1) is not installed')
  const r0 = await mdcBin(['k3s'], { cwd: tmp, env })
  assert.equal(r0.code, 0, r0.stderr)
  const { COMPOSE_FILE: _f, COMPOSE_PROFILES: _p, ...clean } = process.env
  const r = await runProgram(['docker-compose', '--env-file', '.env', 'config'], { cwd: tmp, env: clean })
  assert.equal(r.code, 0, r.stderr)
  for (const svc of ['network', ...SERVICES]) assert.match(r.stdout, new RegExp(`^  ${svc}:$`, 'm'))
  const network = r.stdout.slice(r.stdout.indexOf('\n  network:'), r.stdout.indexOf('\n  test-client:'))
  assert.match(network, /privileged: true/, 'the network container is privileged like the k3s nodes')
  assert.match(r.stdout, /- \/test\/k3s-start\.sh/)
})

test('T12: k3s-start.sh passes node address, flannel interface and cluster ranges to k3s', async () => {
  const bin = join(tmp, 'fake-bin')
  mkdirSync(bin, { recursive: true })
  writeFileSync(join(bin, 'k3s'), '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n')
  chmodSync(join(bin, 'k3s'), 0o755)
  const script = join(ROOT, 'examples/test12-k3s/k3s-start.sh')
  const path = { ...process.env, PATH: `${bin}:${process.env.PATH}` }
  const server = await runProgram(['sh', script, 'server', '10.200.0.1', '--disable=traefik'], { env: path })
  assert.equal(server.code, 0, server.stderr)
  const args = server.stdout.trim().split('\n')
  assert.equal(args[0], 'server')
  for (const [flag, value] of [['--node-ip', '10.200.0.1'], ['--flannel-iface', 'eth1'], ['--cluster-cidr', '10.128.0.0/16'], ['--service-cidr', '10.129.0.0/16']]) {
    assert.equal(args[args.indexOf(flag) + 1], value, flag)
  }
  assert.equal(args.at(-1), '--disable=traefik')
  const agent = await runProgram(['sh', script, 'agent', '10.200.0.2'], { env: path })
  assert.equal(agent.code, 0, agent.stderr)
  const agentArgs = agent.stdout.trim().split('\n')
  assert.equal(agentArgs[agentArgs.indexOf('--server') + 1], 'https://10.200.0.1:6443')
  assert.ok(!agentArgs.includes('--cluster-cidr'))
  const bad = await runProgram(['sh', script, 'worker', '10.200.0.9'], { env: path })
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /role must be server or agent/)
})

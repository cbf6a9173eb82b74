// T4 modes (modes/conlink + examples/test4/modes) resolve and make a valid
// compose configuration. The end-to-end run needs the engine and images.
import assert from 'node:assert/strict'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { ROOT, ensureBuilt, mdcBin, runProgram } from './tools-cli.js'

const tmp = mkdtempSync('/tmp/h3-t4-')
before(() => {
  ensureBuilt()
  cpSync(join(ROOT, 'modes'), join(tmp, 'modes'), { recursive: true })
  cpSync(join(ROOT, 'examples/test4'), join(tmp, 'examples/test4'), { recursive: true })
})
after(() => rmSync(tmp, { recursive: true, force: true }))

const env = { ...process.env, MODES_DIR: './modes:./examples/test4/modes', MDC_DRY_RUN: '', DOCKER_COMPOSE: '' }

test('T4: mode resolution and the env file', async () => {
  const cases: [string, string][] = [
    ['node1', 'conlink base node1'],
    ['node1,nodes2', 'conlink base node1 nodes2'],
    ['node1,nodes2,web', 'conlink base node1 nodes2 web'],
    ['all', 'conlink base node1 nodes2 web all'],
  ]
  for (const [modes, resolved] of cases) {
    const r = await mdcBin(['--dry-run', modes], { cwd: tmp, env })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, new RegExp(`^MODES: ${resolved}$`, 'm'))
  }
  const r = await mdcBin(['all'], { cwd: tmp, env })
  assert.equal(r.code, 0, r.stderr)
  const text = readFileSync(join(tmp, '.env'), 'utf8')
  assert.match(text, /^COMPOSE_FILE=\.\/\.compose-empty\.yaml:\.\/modes\/conlink\/compose\.yaml:\.\/examples\/test4\/modes\/base\/compose\.yaml:/m)
  assert.match(text, /^NODE_IMAGE=conlink-test-node$/m)
  assert.equal(readFileSync(join(tmp, '.compose-empty.yaml'), 'utf8'), 'version: "2.4"\nservices: {}\n')
})

test('T4: docker-compose --env-file .env config accepts the merged files', async (t) => {
  if (!existsSync('/usr/bin/docker-compose')) return t.skip('docker-compose (v1) is not installed')
  const r0 = await mdcBin(['all'], { cwd: tmp, env })
  assert.equal(r0.code, 0, r0.stderr)
  // The env file must be where compose finds COMPOSE_FILE: none in the process environment.
  const { COMPOSE_FILE: _f, COMPOSE_PROFILES: _p, ...clean } = process.env
  const r = await runProgram(['docker-compose', '--env-file', '.env', 'config'], { cwd: tmp, env: clean })
  assert.equal(r.code, 0, r.stderr)
  for (const svc of ['network', 'r0', 'node1', 'node2']) assert.match(r.stdout, new RegExp(`^  ${svc}:$`, 'm'))
  assert.match(r.stdout, new RegExp(`command: conlink up --compose-file \\./\\.compose-empty\\.yaml:\\./modes/conlink/compose\\.yaml:`))
  assert.match(r.stdout, new RegExp(`- ${tmp}:${tmp}:ro`))
  assert.match(r.stdout, /pid: host/)
  assert.match(r.stdout, /scale: 2/)
})

import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { ROOT, conlink, ensureBuilt } from './tools-cli.js'

const tmp = mkdtempSync('/tmp/h3-utils-')
before(() => ensureBuilt())
after(() => rmSync(tmp, { recursive: true, force: true }))

test('conlink utils --out DIR writes wait.sh and copy.sh, executable', async () => {
  const out = join(tmp, 'scripts')
  const r = await conlink(['utils', '--out', out])
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual(r.stdout.trim().split('\n'), [join(out, 'wait.sh'), join(out, 'copy.sh')])
  for (const name of ['wait.sh', 'copy.sh']) {
    assert.equal(statSync(join(out, name)).mode & 0o777, 0o755)
    assert.equal(readFileSync(join(out, name), 'utf8'), readFileSync(join(ROOT, 'src/tools/sh', name), 'utf8'))
  }
})

test('the package ships src/tools/sh', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  assert.ok(pkg.files.includes('src/tools/sh'))
})

test('wait -- COMMAND: SIGTERM is forwarded to the command and its status returned', async () => {
  const child = spawn(process.execPath, [join(ROOT, 'bin/conlink.js'), 'wait', '-i', 'lo', '--', 'sleep', '30'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
  await new Promise((r) => setTimeout(r, 300))
  const t0 = Date.now()
  child.kill('SIGTERM')
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
  assert.equal(code, 128 + 15)
  assert.ok(Date.now() - t0 < 5000)
  assert.match(out, /wait: interface lo: ready/)
})

test('wait -- a command that does not exist: exit 127 naming it', async () => {
  const r = await conlink(['wait', '--', 'h3-no-such-program'])
  assert.equal(r.code, 127)
  assert.match(r.stderr, /wait: cannot run h3-no-such-program: not found/)
})

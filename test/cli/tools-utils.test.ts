import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { ROOT, conlink, ensureBuilt, runProgram } from './tools-cli.js'

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

test('conlink utils --out replaces a link at the target, never writes through it', async () => {
  const out = join(tmp, 'linked')
  const outside = join(tmp, 'outside')
  mkdirSync(out)
  writeFileSync(outside, 'keep\n')
  symlinkSync(outside, join(out, 'wait.sh'))
  symlinkSync(outside, join(out, 'copy.sh'))
  const r = await conlink(['utils', '--out', out])
  assert.equal(r.code, 0, r.stderr)
  assert.equal(readFileSync(outside, 'utf8'), 'keep\n')
  for (const name of ['wait.sh', 'copy.sh']) {
    assert.ok(lstatSync(join(out, name)).isFile())
    assert.equal(statSync(join(out, name)).mode & 0o777, 0o755)
  }
})

test('copy --handlebars: environment as context, conditionals and loops; unknown names are errors', async () => {
  const src = join(tmp, 'hb-src')
  const dst = join(tmp, 'hb-dst')
  mkdirSync(src)
  mkdirSync(dst)
  writeFileSync(join(src, 'a.conf'), '{{#if ON}}on={{ON}}{{else}}off{{/if}} {{#each (lookup this "X")}}{{/each}}{{! dropped }}<{{Y}}>\n')
  const r = await conlink(['copy', '--handlebars', src, dst], { env: { ...process.env, ON: '1', X: '', Y: '&<' } })
  assert.equal(r.code, 0, r.stderr)
  assert.equal(readFileSync(join(dst, 'a.conf'), 'utf8'), 'on=1 <&<>\n')
  writeFileSync(join(src, 'a.conf'), '{{H12_NOT_SET}}\n')
  const bad = await conlink(['copy', '--handlebars', src, dst])
  assert.equal(bad.code, 1)
  assert.match(bad.stderr, /^copy: .*a\.conf: bad template: "H12_NOT_SET" not defined/m)
  const sh = await runProgram(['/bin/dash', join(ROOT, 'src/tools/sh/copy.sh'), '--handlebars', src, dst])
  assert.equal(sh.code, 2)
  assert.match(sh.stderr, /--handlebars needs the Node\.js version/)
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

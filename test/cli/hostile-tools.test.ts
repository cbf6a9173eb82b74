// Hostile input to the compose tools (helper H9): mode names, environment
// values and template values that try to run a command through mdc, copy
// (Node.js and the POSIX sh version) and wait. Nothing may run.
import assert from 'node:assert/strict'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { ROOT, conlink, ensureBuilt, mdcBin, runProgram } from './tools-cli.js'

const tmp = mkdtempSync('/tmp/h9-tools-')
const canary = (n: number) => join(tmp, `h9-canary-${n}`)
const canaries = () => readdirSync(tmp).filter((f) => f.startsWith('h9-canary-'))
after(() => rmSync(tmp, { recursive: true, force: true }))
before(() => ensureBuilt())

/** Values that try to run `touch <canary n>` in every way a shell, sed or awk could be tricked. */
const hostile = (n: number): string[] => [
  `$(touch ${canary(n)})`,
  `\`touch ${canary(n)}\``,
  `x; touch ${canary(n)}`,
  `x' ; touch ${canary(n)} ; '`,
  `x" ; touch ${canary(n)} ; "`,
  `a & b \\1 \\0 / | s/x/$(touch ${canary(n)})/e`,
  `{{HOSTILE_OTHER}}`,
  `line1\nline2 $(touch ${canary(n)})`,
  `%s %n \\n`,
]

const SHELLS = ['sh', 'busybox sh'].filter((s) => existsSync(`/bin/${s.split(' ')[0]}`) || existsSync(`/usr/bin/${s.split(' ')[0]}`))

test('copy -T (Node.js and sh) puts template values in as text, nothing runs', async () => {
  const values = hostile(1)
  const src = join(tmp, 'src')
  // file names run in tmp, so a relative canary would land there
  const dirName = '$(touch h9-canary-2)'
  const fileName = 'a;touch h9-canary-3'
  mkdirSync(join(src, dirName), { recursive: true })
  const template = values.map((_, i) => `v${i}={{HOSTILE_${i}}}`).join('\n') + '\n'
  writeFileSync(join(src, dirName, 'conf'), template)
  writeFileSync(join(src, fileName), template)
  const env = { ...process.env, HOSTILE_OTHER: `$(touch ${canary(4)})`, ...Object.fromEntries(values.map((v, i) => [`HOSTILE_${i}`, v])) }
  const expected = values.map((v, i) => `v${i}=${v}`).join('\n') + '\n'
  const runs: Array<[string, string[]]> = [
    ['node', [process.execPath, join(ROOT, 'bin', 'conlink.js'), 'copy', '-T']],
    ...SHELLS.map((sh): [string, string[]] => [sh, [...sh.split(' '), join(ROOT, 'src', 'tools', 'sh', 'copy.sh'), '-T']]),
  ]
  for (const [name, argv] of runs) {
    const dst = join(tmp, `dst-${name.replace(' ', '-')}`)
    mkdirSync(dst)
    const r = await runProgram([...argv, src, dst], { env, cwd: tmp })
    assert.equal(r.code, 0, `${name}: ${r.stderr}`)
    assert.equal(readFileSync(join(dst, dirName, 'conf'), 'utf8'), expected, name)
    assert.equal(readFileSync(join(dst, fileName), 'utf8'), expected, name)
  }
  assert.deepEqual(canaries(), [])
})

test('wait: hostile file, interface and sleep values are data (Node.js and sh)', async () => {
  const args = ['--timeout', '1', '-f', `$(touch ${canary(10)})`, '-i', `x;touch ${canary(11)}`]
  const ipArgs = ['--timeout', '1', '-I', `x" && system("touch ${canary(12)}") && "`]
  const env = { ...process.env, WAIT_SLEEP: `$(touch ${canary(13)})` }
  for (const a of [args, ipArgs]) {
    const r = await conlink(['wait', ...a], { env })
    assert.equal(r.code, 1, r.stderr)
    for (const sh of SHELLS) {
      const s = await runProgram([...sh.split(' '), join(ROOT, 'src', 'tools', 'sh', 'wait.sh'), ...a], { env })
      assert.equal(s.code, 1, `${sh}: ${s.stderr}`)
    }
  }
  assert.deepEqual(canaries(), [])
})

test('mdc: hostile mode names are refused; environment values and compose args reach files and compose as data', async () => {
  const dir = join(tmp, 'mdc')
  mkdirSync(join(dir, 'modes', 'base'), { recursive: true })
  writeFileSync(join(dir, 'modes', 'base', 'compose.yaml'), 'services: {}\n')
  const fake = join(dir, 'fake-compose')
  writeFileSync(fake, '#!/bin/sh\nprintf "%s\\n" "$@" > "$(dirname "$0")/compose-args"\n')
  chmodSync(fake, 0o755)
  const env = { ...process.env, DOCKER_COMPOSE: fake, MDC_DRY_RUN: '', VERBOSE: `$(touch ${canary(22)})`, MODES_DIR: './modes', ENV_FILE: '.env' }
  for (const modes of [`base,$(touch ${canary(20)})`, `\`touch ${canary(21)}\``, 'x;touch']) {
    const bad = await mdcBin([modes, 'config'], { cwd: dir, env })
    assert.equal(bad.code, 2, bad.stderr)
    assert.match(bad.stderr, /bad mode name/)
  }
  const r = await mdcBin(['base', 'config', `$(touch ${canary(23)})`], { cwd: dir, env })
  assert.equal(r.code, 0, r.stderr)
  assert.deepEqual(readFileSync(join(dir, 'compose-args'), 'utf8').trim().split('\n').slice(-2), ['config', `$(touch ${canary(23)})`])
  assert.deepEqual(canaries(), [])
})

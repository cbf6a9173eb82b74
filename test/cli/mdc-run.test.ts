import assert from 'node:assert/strict'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { after, before, test } from 'node:test'
import { composeCommand, mdcSettings, modeVar } from '../../src/compose/mdc.js'
import { conlink, ensureBuilt, mdcBin } from './tools-cli.js'

const tmp = mkdtempSync('/tmp/h3-mdc-')
after(() => rmSync(tmp, { recursive: true, force: true }))
before(() => ensureBuilt())

/** Write files under dir: {'modes/base/deps': 'text'}. */
function files(dir: string, spec: Record<string, string>): string {
  for (const [path, text] of Object.entries(spec)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return dir
}

let n = 0
function project(spec: Record<string, string>): string {
  return files(join(tmp, `p${n++}`), spec)
}

/** A stand-in for docker compose: records its argv, exits 7. */
function fakeCompose(dir: string): string {
  const script = join(dir, 'fake-compose')
  writeFileSync(script, '#!/bin/sh\nprintf "%s\\n" "$@" > "$(dirname "$0")/compose-args"\nexit 7\n')
  chmodSync(script, 0o755)
  return script
}

const env = (extra: Record<string, string>) => ({ ...process.env, MDC_DRY_RUN: '', VERBOSE: '', ...extra })

const T4ISH = {
  'modes/base/compose.yaml': 'services: {}\n',
  'modes/base/.env': 'FOO=1\nBAR=${FOO}-x',
  'modes/base/svc1/files/etc/conf1': 'base conf1\n',
  'modes/base/svc2/files/etc/conf2': 'base conf2\n',
  'modes/node1/deps': '# node1 needs base\nbase\n',
  'modes/node1/docker-compose.yml': 'services: {}\n',
  'modes/node1/env': 'NODE=1\n',
  'modes/node1/svc1/files/etc/conf1': 'node1 conf1\n',
  'modes/my-web.2/deps': 'base, +node1',
}

test('mdc writes ENV_FILE, .compose-empty.yaml and .files, then runs compose with the args', async () => {
  const dir = project(T4ISH)
  const compose = fakeCompose(dir)
  files(dir, { '.env': 'OLD=stale\n', '.files/old/file': 'stale' })
  const r = await conlink(['mdc', 'my-web.2,node1', 'up', '--build', '--force-recreate', '-d'], { cwd: dir, env: env({ DOCKER_COMPOSE: compose }) })
  assert.equal(r.code, 7, r.stderr)
  assert.match(r.stderr, /^MODES: base node1 my-web\.2$/m)
  assert.equal(readFileSync(join(dir, 'compose-args'), 'utf8'), ['--env-file', '.env', 'up', '--build', '--force-recreate', '-d', ''].join('\n'))
  const envText = readFileSync(join(dir, '.env'), 'utf8')
  assert.equal(
    envText,
    [
      '# Written by mdc for modes: base,node1,my-web.2 (rewritten on every run, do not edit)',
      '',
      'MDC_MODE_base=enabled',
      '# mdc: begin mode base file ./modes/base/.env',
      'FOO=1',
      'BAR=${FOO}-x',
      '# mdc: end mode base file ./modes/base/.env',
      'MDC_MODE_node1=enabled',
      '# mdc: begin mode node1 file ./modes/node1/env',
      'NODE=1',
      '# mdc: end mode node1 file ./modes/node1/env',
      'MDC_MODE_my_web_2=enabled',
      '',
      'COMPOSE_FILE=./.compose-empty.yaml:./modes/base/compose.yaml:./modes/node1/docker-compose.yml',
      `COMPOSE_DIR=${dir}`,
      'COMPOSE_PROFILES=MODE_base,MODE_node1,MODE_my-web.2',
      'MDC_MODE_DIRS=./modes/base,./modes/node1,./modes/my-web.2',
      '',
    ].join('\n'),
  )
  assert.equal(readFileSync(join(dir, '.compose-empty.yaml'), 'utf8'), 'services: {}\n')
  assert.equal(readFileSync(join(dir, '.files/svc1/etc/conf1'), 'utf8'), 'node1 conf1\n')
  assert.equal(readFileSync(join(dir, '.files/svc2/etc/conf2'), 'utf8'), 'base conf2\n')
  assert.ok(!existsSync(join(dir, '.files/old')), 'MDC_FILES_DIR emptied first')
})

test('mdc bin, env settings (MODES_DIR list, ENV_FILE, MDC_FILES_DIR), no compose args: no compose run', async () => {
  const dir = project({ 'a/one/compose.yaml': 'services: {}\n', 'b/two/deps': 'one', 'b/two/x/files/f': 'f' })
  mkdirSync(join(dir, 'out'))
  const r = await mdcBin(['two'], {
    cwd: dir,
    env: env({ MODES_DIR: './a:./b', ENV_FILE: 'out/my.env', MDC_FILES_DIR: 'out/files', DOCKER_COMPOSE: '/nonexistent' }),
  })
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stderr, /MODES: one two/)
  const text = readFileSync(join(dir, 'out/my.env'), 'utf8')
  assert.match(text, /^COMPOSE_FILE=\.\/\.compose-empty\.yaml:\.\/a\/one\/compose\.yaml$/m)
  assert.match(text, new RegExp(`^COMPOSE_DIR=${dir}/out$`, 'm'))
  assert.equal(readFileSync(join(dir, 'out/files/x/f'), 'utf8'), 'f')
})

test('--dry-run (and MDC_DRY_RUN) write nothing and show the compose command', async () => {
  const dir = project(T4ISH)
  for (const [args, extra] of [
    [['mdc', '--dry-run', 'node1', 'config'], {}],
    [['mdc', 'node1', 'config'], { MDC_DRY_RUN: '1' }],
  ] as const) {
    const r = await conlink([...args], { cwd: dir, env: env({ DOCKER_COMPOSE: 'docker   compose', ...extra }) })
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /would write \.env:\n# Written by mdc/)
    assert.match(r.stdout, /COMPOSE_FILE=\.\/\.compose-empty\.yaml:\.\/modes\/base\/compose\.yaml/)
    assert.match(r.stdout, /would copy modes\/node1\/svc1\/files\/ -> \.files\/svc1\//)
    assert.match(r.stdout, /would run: docker compose --env-file \.env config$/m)
    assert.ok(!existsSync(join(dir, '.env')) && !existsSync(join(dir, '.files')) && !existsSync(join(dir, '.compose-empty.yaml')))
  }
})

test('a requested mode without a directory resolves to itself', async () => {
  const dir = project({ 'modes/base/compose.yaml': 'services: {}\n' })
  const r = await conlink(['mdc', 'base,extra'], { cwd: dir, env: env({}) })
  assert.equal(r.code, 0, r.stderr)
  const text = readFileSync(join(dir, '.env'), 'utf8')
  assert.match(text, /^MDC_MODE_extra=enabled$/m)
  assert.match(text, /^COMPOSE_PROFILES=MODE_base,MODE_extra$/m)
  assert.match(text, /^MDC_MODE_DIRS=\.\/modes\/base$/m)
})

async function fails(spec: Record<string, string>, args: string[], extra: Record<string, string>, pattern: RegExp) {
  const dir = project(spec)
  const r = await conlink(['mdc', ...args], { cwd: dir, env: env(extra) })
  assert.notEqual(r.code, 0)
  assert.match(r.stderr, pattern)
  assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace')
  assert.ok(!existsSync(join(dir, '.env')), 'nothing written')
  return dir
}

test('bad input: deps naming a missing mode, cycle, duplicate mode, unreadable env file', async () => {
  await fails({ 'modes/node1/deps': 'base' }, ['node1'], {}, /modes\/node1\/deps.*'node1' depends on unknown mode 'base'/)
  await fails({ 'modes/a/deps': 'b', 'modes/b/deps': 'a' }, ['a'], {}, /cycle.*a -> b -> a/)
  await fails({ 'm1/x/deps': '', 'm2/x/deps': '' }, ['x'], { MODES_DIR: './m1:./m2' }, /mode 'x' found in multiple directories: \.\/m1\/x and \.\/m2\/x/)
  const dir = project({ 'modes/a/compose.yaml': 'services: {}\n' })
  mkdirSync(join(dir, 'modes/a/env'))
  const r = await conlink(['mdc', 'a'], { cwd: dir, env: env({}) })
  assert.notEqual(r.code, 0)
  assert.match(r.stderr, /cannot read \.\/modes\/a\/env/)
  const dir2 = project({ 'modes/a/compose.yaml': 'services: {}\n' })
  symlinkSync('/nonexistent/h3', join(dir2, 'modes/a/.env'))
  const r2 = await conlink(['mdc', 'a'], { cwd: dir2, env: env({}) })
  assert.notEqual(r2.code, 0)
  assert.match(r2.stderr, /refusing to read \.\/modes\/a\/\.env: it is a link to nothing, outside the modes directory/)
})

test('bad input: MDC_FILES_DIR of . or / or a parent of the current directory is refused', async () => {
  for (const value of ['.', '/', './', '..', join(tmp, 'p0', '..')]) {
    await fails({ 'modes/a/x/files/f': 'f' }, ['a'], { MDC_FILES_DIR: value }, /refusing to empty MDC_FILES_DIR/)
  }
})

test('usage errors: no MODES, unknown option before MODES', async () => {
  const r = await conlink(['mdc', '--bogus', 'a'], { cwd: tmp, env: env({}) })
  assert.equal(r.code, 2)
  assert.match(r.stderr, /unknown option before MODES: --bogus/)
  const r2 = await conlink(['mdc', '-n'], { cwd: tmp, env: env({}) })
  assert.equal(r2.code, 2)
  assert.match(r2.stderr, /missing MODES/)
})

test('compose command: DOCKER_COMPOSE split on whitespace, else docker compose / docker-compose', async () => {
  assert.deepEqual(await composeCommand(mdcSettings({ DOCKER_COMPOSE: ' podman   compose ' })), ['podman', 'compose'])
  const detected = await composeCommand(mdcSettings({}))
  assert.ok(['docker compose', 'docker-compose'].includes(detected.join(' ')))
  assert.equal(modeVar('a-b.c/d'), 'MDC_MODE_a_b_c_d')
})

test('mdc warns when the conlink mode is used with compose files outside COMPOSE_DIR', async () => {
  const outside = project({ 'modes/conlink/compose.yaml': 'services: {}\n', 'modes/web/deps': 'conlink\n', 'modes/web/compose.yaml': 'services: {}\n' })
  const inside = project({ 'modes/local/deps': 'conlink\n' })
  const r = await conlink(['mdc', '--dry-run', 'local,web'], { cwd: inside, env: env({ MODES_DIR: `./modes:${outside}/modes` }) })
  assert.equal(r.code, 0, r.stderr)
  assert.match(r.stderr, new RegExp(`^mdc: warning: ${outside}/modes/conlink/compose\\.yaml is outside COMPOSE_DIR \\(${inside}\\): `, 'm'))
  assert.match(r.stderr, new RegExp(`^mdc: warning: ${outside}/modes/web/compose\\.yaml is outside`, 'm'))
  const quiet = await conlink(['mdc', '--dry-run', 'web'], { cwd: outside, env: env({ MODES_DIR: './modes' }) })
  assert.doesNotMatch(quiet.stderr, /warning/)
})

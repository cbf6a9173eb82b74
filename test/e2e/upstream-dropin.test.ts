// Drop-in for upstream conlink 2.6: upstream-style compose files (network
// service running `/app/build/conlink.js --compose-file ...`) come up on our
// image and ping; the readiness line names what could not be made; /utils
// runs in an image FROM scratch (no shell, no libc) with only /utils mounted.
import assert from 'node:assert/strict'
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { run } from '../../src/exec.js'
import { ALL_CONNECTED, CONLINK_IMAGE, ComposeProject, itLogs, kernel, missingPrerequisite, withLogs } from './compose.js'
import { TEST_IMAGE } from './runtime-helpers.js'

const skip = await missingPrerequisite()

describe('upstream-style compose files on our image', { skip }, () => {
  describe('upstream test1 (routed), network service runs /app/build/conlink.js', () => {
    const p = new ComposeProject('dropint1', 'upstream-test1-compose.yaml')
    before(() => withLogs(() => p.logs(), () => p.up()))
    after(() => p.down())

    itLogs(p, 'h1 pings h3, h2 pings h1, h3 pings h2 through r0', async () => {
      await p.ping('h1', '10.0.0.100')
      await p.ping('h2', '192.168.1.100')
      await p.ping('h3', '172.16.0.100')
    })

    itLogs(p, '/app/build/conlink.js --show-config --format upstream prints upstream\'s shape', async () => {
      const r = await p.exec('network', ['/app/build/conlink.js', '--show-config', '--format', 'upstream', '--compose-file', '/test/upstream-test1-compose.yaml'])
      assert.equal(r.exitCode, 0, r.stderr)
      const config = JSON.parse(r.stdout)
      assert.equal(config.tunnels, null)
      assert.deepEqual(config.services.h1.links[0].bridge, config.bridges.s1)
      assert.deepEqual(Object.keys(config.bridges.s1).sort(), ['bridge', 'mode'])
    })
  })

  describe('upstream test2 (network file, scale 2, dummy): readiness says what is missing', () => {
    const p = new ComposeProject('dropint2', 'upstream-test2-compose.yaml')
    let dummy = false
    before(async () => {
      dummy = (await kernel()).dummy
      await withLogs(() => p.logs(), async () => {
        if ((await p.projectIds()).length) await p.down()
        await p.compose(['up', '-d'])
      })
    })
    after(() => p.down())

    itLogs(p, 'node 1 pings node 2; the log names the links that could not be made, or says all are connected', async () => {
      if (dummy) {
        await p.waitForLog(ALL_CONNECTED)
        await p.ping('node', '8.8.8.8', 1)
      } else {
        const logs = await p.waitForLog('Links connected: 2 of 4; waiting for or failed: internet_1:eth0 (kernel lacks dummy), internet_1:i0 (kernel lacks dummy)')
        assert.doesNotMatch(logs, new RegExp(ALL_CONNECTED), 'never "All links connected" while links are missing')
      }
      await p.ping('node', '10.0.1.2', 1)
    })
  })
})

describe('/utils in an image FROM scratch (no shell, no libc), only /utils mounted', { skip }, () => {
  const SCRATCH = 'conlink-test-scratch'
  let dir = ''
  const docker = (...args: string[]) => run(['docker', ...args], { allowFailure: true, timeoutMs: 60_000 })
  const inScratch = (mounts: string[], argv: string[], env: string[] = []) =>
    docker('run', '--rm', ...env.flatMap((e) => ['-e', e]), ...mounts.flatMap((m) => ['-v', m]), SCRATCH, ...argv)

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dropin-utils-'))
    const ctx = join(dir, 'ctx')
    mkdirSync(ctx)
    // a label gives the legacy builder an instruction; the image has no files at all
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nLABEL conlink.test=scratch\n')
    const built = await docker('build', '-q', '-t', SCRATCH, ctx)
    assert.equal(built.exitCode, 0, built.stderr)
    // as upstream's compose files do: copy /utils out of the conlink image (all of it)
    mkdirSync(join(dir, 'utils'))
    const copied = await docker('run', '--rm', '-v', `${join(dir, 'utils')}:/conlink_utils`, CONLINK_IMAGE, 'cp', '-a', '/utils/.', '/conlink_utils/')
    assert.equal(copied.exitCode, 0, copied.stderr)
  })
  after(async () => {
    await docker('image', 'rm', SCRATCH)
    rmSync(dir, { recursive: true, force: true })
  })

  it('the image holds wait, copy, echo (static programs), wait.sh, copy.sh and a static busybox', async () => {
    for (const f of ['wait', 'copy', 'echo', 'wait.sh', 'copy.sh', 'busybox']) {
      assert.ok(statSync(join(dir, 'utils', f)).isFile(), f)
      assert.ok(statSync(join(dir, 'utils', f)).mode & 0o111, `${f} is executable`)
    }
    for (const f of ['wait', 'copy', 'echo', 'busybox']) {
      const ldd = await run(['ldd', join(dir, 'utils', f)], { allowFailure: true })
      assert.notEqual(ldd.exitCode, 0, `${f} must be static: ${ldd.stdout}`)
    }
  })

  it('/utils/wait -f FILE -i eth0 -- /utils/echo ok', async () => {
    const state = join(dir, 'state')
    mkdirSync(state)
    writeFileSync(join(state, 'file'), '')
    const r = await inScratch([`${join(dir, 'utils')}:/utils:ro`, `${state}:/state:ro`], ['/utils/wait', '-f', '/state/file', '-i', 'eth0', '-I', 'eth0', '--', '/utils/echo', 'ok'])
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /file \/state\/file: ready[\s\S]*interface eth0: ready[\s\S]*\nok$/)
  })

  it('/utils/wait -t HOST:PORT (busybox nc) and a usage error with exit code 2', async () => {
    const listen = '/utils/busybox nc -l -p 8080 -e /utils/echo hi & /utils/wait -s 0.2 -t 127.0.0.1:8080 -- /utils/echo tcp-ok'
    const r = await inScratch([`${join(dir, 'utils')}:/utils:ro`], ['/utils/busybox', 'sh', '-c', listen])
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /tcp 127\.0\.0\.1:8080: ready[\s\S]*tcp-ok/)
    const bad = await inScratch([`${join(dir, 'utils')}:/utils:ro`], ['/utils/wait', '--bogus'])
    assert.equal(bad.exitCode, 2, bad.stdout + bad.stderr)
  })

  it('/utils/wait and /utils/copy also run in images with a shell (busybox sh, Debian dash), using their own programs', async () => {
    for (const image of [TEST_IMAGE, CONLINK_IMAGE]) {
      const r = await docker('run', '--rm', '--network', 'none', '--tmpfs', '/tmp', '-v', `${join(dir, 'utils')}:/utils:ro`, image,
        '/utils/copy', '/utils', '/tmp', '--', '/utils/wait', '-f', '/tmp/wait.sh', '-i', 'lo', '--', '/utils/echo', `ok in ${image}`)
      assert.equal(r.exitCode, 0, r.stdout + r.stderr)
      assert.match(r.stdout, new RegExp(`interface lo: ready\\nok in ${image}$`))
    }
  })

  it('upstream\'s five-file copy (wait, wait.sh, copy, copy.sh, echo) works where /bin/sh exists; without a shell it says what is missing', async () => {
    const five = join(dir, 'five')
    mkdirSync(five)
    const copied = await docker('run', '--rm', '-v', `${five}:/conlink_utils`, CONLINK_IMAGE, 'cp', '/utils/wait', '/utils/wait.sh', '/utils/copy', '/utils/copy.sh', '/utils/echo', '/conlink_utils/')
    assert.equal(copied.exitCode, 0, copied.stderr)
    const inShellImage = await docker('run', '--rm', '--network', 'none', '--tmpfs', '/tmp', '-v', `${five}:/utils:ro`, TEST_IMAGE,
      '/utils/copy', '/utils', '/tmp', '--', '/utils/wait', '-f', '/tmp/copy.sh', '--', '/utils/echo', 'five ok')
    assert.equal(inShellImage.exitCode, 0, inShellImage.stdout + inShellImage.stderr)
    assert.match(inShellImage.stdout, /copy: \/utils -> \/tmp \(5 files\)[\s\S]*five ok$/)
    const noShell = await inScratch([`${five}:/utils:ro`], ['/utils/wait', '-f', '/utils/wait'])
    assert.equal(noShell.exitCode, 2)
    assert.match(noShell.stderr, /no \/bin\/sh and there is no \/utils\/busybox: copy busybox/)
    const echo = await inScratch([`${five}:/utils:ro`], ['/utils/echo', 'echo needs nothing'])
    assert.equal(echo.stdout, 'echo needs nothing')
  })

  it('/utils/copy -T SRC DST fills {{NAME}} from the environment, keeps unset tokens', async () => {
    const src = join(dir, 'src')
    const dst = join(dir, 'dst')
    mkdirSync(join(src, 'dir2'), { recursive: true })
    mkdirSync(dst)
    writeFileSync(join(src, 'file1'), 'a {{VAL1}} b\n')
    writeFileSync(join(src, 'dir2', 'file2'), '{{VAL2}} {{UNSET_VAL}} {{ .Helm }}\n')
    const r = await inScratch([`${join(dir, 'utils')}:/utils:ro`, `${src}:/src:ro`, `${dst}:/dst`], ['/utils/copy', '-T', '/src', '/dst', '--', '/utils/echo', 'copied'], ['VAL1=val1', 'VAL2=val 2 & \\1'])
    assert.equal(r.exitCode, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /\ncopied$/)
    assert.equal(readFileSync(join(dst, 'file1'), 'utf8'), 'a val1 b\n')
    assert.equal(readFileSync(join(dst, 'dir2', 'file2'), 'utf8'), 'val 2 & \\1 {{UNSET_VAL}} {{ .Helm }}\n')
  })
})

// wait (issue 12): SIGTERM ends it at once even as PID 1, --timeout stops a
// running -c command, and wait.sh -t works with bash alone (no nc, no busybox).
import assert from 'node:assert/strict'
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ROOT, ensureBuilt, runProgram } from './tools-cli.js'

const tmp = mkdtempSync('/tmp/h12-wait-')
let server: Server
let port = 0
before(async () => {
  ensureBuilt()
  server = createServer((s) => s.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
})
after(() => {
  server?.close()
  rmSync(tmp, { recursive: true, force: true })
})

const IMPLEMENTATIONS = [
  { name: 'node', argv: [process.execPath, join(ROOT, 'bin/conlink.js'), 'wait'], missing: undefined },
  { name: 'dash', argv: ['/bin/dash', join(ROOT, 'src/tools/sh/wait.sh')], missing: '/bin/dash' },
  { name: 'busybox sh', argv: ['/bin/busybox', 'sh', join(ROOT, 'src/tools/sh/wait.sh')], missing: '/bin/busybox' },
]

/** A directory holding only links to the given programs, to use as PATH. */
function pathWith(name: string, programs: string[]): string {
  const dir = join(tmp, name)
  spawnSync('mkdir', ['-p', dir])
  for (const p of programs) {
    const found = ['/usr/bin', '/bin'].map((d) => join(d, p)).find(existsSync)
    if (!found) throw new Error(`${p} is not installed`)
    symlinkSync(found, join(dir, p))
  }
  return dir
}

const unshareWorks = spawnSync('unshare', ['-p', '-f', 'true']).status === 0

for (const impl of IMPLEMENTATIONS) {
  describe(`wait bounds (${impl.name})`, { concurrency: 3 }, () => {
    test('SIGTERM ends wait at once, also as PID 1 of a PID namespace', { timeout: 20_000 }, async (t) => {
      if (impl.missing && !existsSync(impl.missing)) return t.skip(`${impl.missing} is not installed`)
      if (!unshareWorks) return t.skip('unshare -p (a PID namespace) is not allowed here')
      // `-f /` prints a line once wait's signal handling is set up; then it waits for ever
      const child = spawn('unshare', ['-p', '-f', '--', ...impl.argv, '-s', '30', '-f', '/', '-f', '/nonexistent-h12'], { stdio: ['ignore', 'pipe', 'ignore'] })
      const exited = new Promise((resolve) => child.on('exit', resolve))
      try {
        await new Promise<void>((resolve, reject) => {
          child.stdout.once('data', () => resolve())
          child.once('exit', () => reject(new Error('wait ended before it was ready')))
        })
        // the program runs as PID 1 inside: it is unshare's child
        const pid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0])
        assert.ok(pid > 0, 'found the program')
        process.kill(pid, 'SIGTERM')
        const done = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 5000))])
        assert.ok(done, 'wait did not end within 5 s of SIGTERM')
      } finally {
        // PID 1 of the namespace first (the rest of it goes with it), then unshare
        try {
          for (const p of readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ').filter(Boolean)) process.kill(Number(p), 'SIGKILL')
        } catch {
          /* already gone */
        }
        child.kill('SIGKILL')
      }
    })

    test('--timeout stops a -c command that is still running, with what it started', { timeout: 20_000 }, async (t) => {
      if (impl.missing && !existsSync(impl.missing)) return t.skip(`${impl.missing} is not installed`)
      const marker = `h12-sleeper-${impl.name.replace(' ', '-')}`
      const t0 = Date.now()
      const r = await runProgram([...impl.argv, '--timeout', '1', '-c', `sleep 30; echo ${marker}`])
      assert.equal(r.code, 1, r.stderr)
      assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`)
      await new Promise((res) => setTimeout(res, 200))
      const left = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker)
        } catch {
          return false
        }
      })
      assert.deepEqual(left, [], 'the command was stopped')
    })
  })
}

describe('wait.sh -t without nc or busybox', () => {
  for (const shell of ['/bin/dash', '/bin/busybox']) {
    const argv = shell.endsWith('busybox') ? [shell, 'sh'] : [shell]
    test(`${shell}: bash's /dev/tcp, with only bash on PATH`, async (t) => {
      if (!existsSync(shell)) return t.skip(`${shell} is not installed`)
      const env = { PATH: pathWith(`bash-only-${shell.slice(5)}`, ['bash']) }
      const r = await runProgram([...argv, join(ROOT, 'src/tools/sh/wait.sh'), '-t', `127.0.0.1:${port}`], { env })
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, `wait: tcp 127.0.0.1:${port}: ready\n`)
    })
  }

  test('host and port reach bash as arguments, never as script text', async () => {
    const canary = join(tmp, 'h12-tcp-canary')
    const env = { PATH: pathWith('bash-date', ['bash', 'date', 'sleep']) }
    const r = await runProgram(['/bin/dash', join(ROOT, 'src/tools/sh/wait.sh'), '--timeout', '0', '-t', `x";touch ${canary};"x:${port}`], { env })
    assert.equal(r.code, 1, r.stderr)
    assert.match(r.stderr, /^wait: timeout after 0s: tcp /m)
    assert.ok(!existsSync(canary))
  })

  test('no nc, busybox or bash: a clear error', async () => {
    const env = { PATH: pathWith('nothing', []) }
    const r = await runProgram(['/bin/dash', join(ROOT, 'src/tools/sh/wait.sh'), '-t', `127.0.0.1:${port}`], { env })
    assert.equal(r.code, 1)
    assert.equal(r.stderr, `wait: cannot test tcp 127.0.0.1:${port}: needs nc, busybox or bash\n`)
  })
})

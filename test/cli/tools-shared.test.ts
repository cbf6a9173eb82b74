// Runs the one table of wait/copy cases (tools-cases.ts) against the Node.js
// tools and the POSIX sh versions under dash and busybox sh.
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { CASES, type CaseContext } from './tools-cases.js'
import { ROOT, ensureBuilt, runProgram } from './tools-cli.js'

const tmp = mkdtempSync('/tmp/h3-tools-')
let server: Server
let openPort = 0
let closedPort = 0

function routeIntf(): string | undefined {
  try {
    return readFileSync('/proc/net/route', 'utf8').split('\n').slice(1).map((l) => l.split(/\s+/)[0]).find(Boolean)
  } catch {
    return undefined
  }
}

before(async () => {
  ensureBuilt()
  server = createServer((sock) => sock.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  openPort = (server.address() as AddressInfo).port
  // A port that was free a moment ago and is closed now.
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  closedPort = (probe.address() as AddressInfo).port
  await new Promise((resolve) => probe.close(resolve))
})
after(() => {
  server?.close()
  rmSync(tmp, { recursive: true, force: true })
})

const IMPLEMENTATIONS: { name: string; argv: (tool: string) => string[]; missing?: string }[] = [
  { name: 'node', argv: (tool) => [process.execPath, join(ROOT, 'bin/conlink.js'), tool] },
  { name: 'dash', argv: (tool) => ['/bin/dash', join(ROOT, `src/tools/sh/${tool}.sh`)], missing: '/bin/dash' },
  { name: 'busybox sh', argv: (tool) => ['/bin/busybox', 'sh', join(ROOT, `src/tools/sh/${tool}.sh`)], missing: '/bin/busybox' },
]

const lines = (s: string) => s.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1)

for (const impl of IMPLEMENTATIONS) {
  describe(`tools (${impl.name})`, { concurrency: 4 }, () => {
    CASES.forEach((tc, i) => {
      test(tc.name, async (t) => {
        if (impl.missing && !existsSync(impl.missing)) return t.skip(`${impl.missing} is not installed`)
        const dir = join(tmp, `${impl.name.replace(' ', '-')}-${i}`)
        mkdirSync(dir, { recursive: true })
        const ctx: CaseContext = { dir, openPort, closedPort, routeIntf: routeIntf() }
        const why = tc.needs?.(ctx)
        if (why) return t.skip(why)
        tc.setup?.(ctx)
        const running = runProgram([...impl.argv(tc.tool), ...tc.args(ctx)], { cwd: dir, env: { ...process.env, WAIT_SLEEP: '', ...tc.env } })
        tc.during?.(ctx)
        const r = await running
        const detail = `stdout: ${r.stdout}\nstderr: ${r.stderr}`
        assert.equal(r.code, tc.exit, detail)
        assert.deepEqual(lines(r.stdout), tc.stdout(ctx), detail)
        if (tc.stderr) assert.equal(lines(r.stderr)[0], tc.stderr(ctx), detail)
        else assert.equal(r.stderr, '', detail)
        tc.check?.(ctx)
        assert.ok(!existsSync('/tmp/h3-pwned'), 'a variable value was run as code')
      })
    })
  })
}

test('usage errors print the usage line', async () => {
  for (const impl of IMPLEMENTATIONS) {
    const r = await runProgram([...impl.argv('wait'), '-x'])
    assert.match(r.stderr, /^usage: wait \[-f FILE\]/m, impl.name)
    const c = await runProgram([...impl.argv('copy'), '-x', 'a', 'b'])
    assert.match(c.stderr, /^usage: copy \[-T\|--template\] \[--strict\] \[--handlebars\] SRC_DIR DST_DIR/m, impl.name)
  }
})

// T11 end to end (examples/test11-compose.yaml): the sh versions of copy and
// wait in busybox containers wired by conlink. The server templates
// {{GREETING}} into /www/index.html, waits for eth0's address and serves it;
// the client waits for its address and the server's port, fetches the page
// once and exits.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { run } from '../../src/exec.js'
import { ComposeProject, REPO, toolsPrerequisite, waitUntil, withLogs } from './compose.js'

// Characters that would break a sed- or shell-based template engine.
const GREETING = `Hello from h7 ${process.pid} & co / \\1 'q' "dq"`
const project = new ComposeProject(`h7t11${process.pid}`, join(REPO, 'examples', 'test11-compose.yaml'), { GREETING })

async function serviceLog(service: string): Promise<string> {
  const r = await project.compose(['logs', '--no-color', service])
  return r.stdout + r.stderr
}

describe('T11: copy and wait (sh versions) in containers wired by conlink', () => {
  let skip: string | undefined
  before(async () => {
    skip = await toolsPrerequisite()
    if (skip) console.log(`skipping T11 e2e: ${skip}`)
  })
  after(async () => {
    if (!skip) await project.down()
  })

  it('the client receives the templated page from the server', async (t) => {
    if (skip) return t.skip(skip)
    await project.compose(['up', '-d'])
    await withLogs(() => project.logs(), async () => {
      const client = await project.id('client')
      const state = await waitUntil('the client to exit', 40_000, async () => {
        const r = await run(['docker', 'inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', client])
        return r.stdout.startsWith('exited') && r.stdout.trim()
      })
      const clientLog = await serviceLog('client')
      const serverLog = await serviceLog('server')
      const logs = `client log:\n${clientLog}\nserver log:\n${serverLog}`
      assert.equal(state, 'exited 0', logs)
      assert.match(serverLog, /copy: \/files -> \/ \(1 files\)/, logs)
      assert.match(serverLog, /wait: ip on eth0: ready/, logs)
      assert.match(clientLog, /wait: ip on eth0: ready[\s\S]*wait: tcp 10\.11\.0\.1:80: ready/, logs)
      assert.ok(clientLog.includes(`<h1>${GREETING}</h1>`), `the greeting is missing:\n${logs}`)
      assert.ok(clientLog.includes('{{T11_NOT_SET}}'), `the unset token was not kept:\n${logs}`)
    })
  })
})

// Issue 7.2: the engine's event stream breaks. dockerd is shared, so it is not
// restarted: the network container reaches it through a socket proxy that the
// test cuts for a while, starting and killing containers meanwhile.
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { run } from '../../src/exec.js'
import { missingPrerequisite, waitUntil } from './compose.js'
import { networkService, nodeService, SCALE, SocketProxy, TempProject, timed, unexpectedProblems, LINUX_S1 } from './reliability-helpers.js'

const skip = await missingPrerequisite()
const CUT_MS = 2000
const LOST = 'event stream lost'
const RECONNECTED = /event stream reconnected: resynchronised with (\d+) running containers/

/** While the socket is cut: a container killed there logs that it is gone; retries may log detail lines. */
const ALLOWED = [/event stream lost/, /container \S+ \(pid \d+\) is gone: its interfaces went with it/]

describe('reliability: event stream lost and resynchronised', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'h8-events-'))
  const proxy = new SocketProxy(dir)
  const p = new TempProject('h8events', dir, [networkService({ socket: proxy.path }), nodeService(2)], LINUX_S1)
  before(async () => {
    await proxy.listen()
    await timed(p, 'up with 2 replicas through the proxy', () => p.up())
  })
  after(async () => {
    await p.destroy()
    await proxy.close()
  })

  it('reconnects, wires what started and unwires what died while cut', () =>
    timed(p, 'cut, scale 2 -> 4, kill #2, restore, resync', async () => {
      const killed = await p.id('node', 2)
      const killedName = (await run(['docker', 'inspect', '-f', '{{.Name}}', killed])).stdout.trim().replace(/^\//, '')
      const cutAt = Date.now()
      proxy.cut()
      await p.waitForLog(LOST, 10_000)
      await p.compose([...SCALE, 'node=4', 'node'])
      await run(['docker', 'kill', killed])
      await new Promise((r) => setTimeout(r, Math.max(0, cutAt + CUT_MS - Date.now())))
      proxy.restore()
      const cutFor = Date.now() - cutAt

      const logs = await p.waitForLog('event stream reconnected', 20_000)
      // other projects share this engine: at least our network container and 3 nodes run
      assert.ok(Number(RECONNECTED.exec(logs)?.[1]) >= 4, RECONNECTED.exec(logs)?.[0])
      const links = await p.waitForNetworkLinks()
      assert.deepEqual(links, ['lo', 'node_1-eth0', 'node_3-eth0', 'node_4-eth0', 's1'])
      await Promise.all([p.ping('node', '10.0.1.3', 1), p.ping('node', '10.0.1.4', 1), p.ping('node', '10.0.1.1', 4)])
      const final = await waitUntil(`"Removing links of ${killedName}"`, 10_000, async () => {
        const text = await p.logs()
        return text.includes(`Removing links of ${killedName}`) && text
      })
      assert.deepEqual(unexpectedProblems(final, ALLOWED), [])
      console.log(final.split('\n').filter((l) => /event stream|Removing|unreachable/.test(l)).map((l) => `# [h8]   ${l}`).join('\n'))
      console.log(`# [h8] proxy cut for ${cutFor} ms, ${proxy.refused} connections refused meanwhile`)
    }))
})

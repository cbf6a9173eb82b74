// T9: the bridge mode of s1 comes from BRIDGE_MODE; connectivity survives a
// restart of one node. `auto` falls back to a Linux bridge without openvswitch.
import assert from 'node:assert/strict'
import { after, before, describe } from 'node:test'
import { run } from '../../src/exec.js'
import { ComposeProject, containerPid, itLogs, kernel, missingPrerequisite, withLogs } from './compose.js'

const skip = await missingPrerequisite()
const caps = skip ? undefined : await kernel()

// The three projects are independent (each network container has its own s1): run them side by side.
describe('conlink up: T9 bridge modes', { skip, concurrency: true }, () => {
  for (const mode of ['linux', 'patch', 'auto'] as const) {
    const missing = mode === 'patch' && caps && !caps.mirred ? 'this kernel lacks tc ingress/mirred, needed by patch mode' : undefined
    if (missing) console.log(`skipping T9 ${mode}: ${missing}`)

    describe(`BRIDGE_MODE=${mode}`, { skip: missing, concurrency: 1 }, () => {
      const p = new ComposeProject(`h6t9${mode}`, 'test9-compose.yaml', { BRIDGE_MODE: mode })
      before(() => withLogs(() => p.logs(), () => p.up()))
      after(() => p.down())

      itLogs(p, 'node1 pings node2', () => p.ping('node1', '10.9.0.2'))

      itLogs(p, 'after `docker restart` of node2, node1 pings it again', async () => {
        const before = (await p.networkLinks()).sort()
        await p.exec('node1', ['ip', 'neigh', 'flush', 'dev', 'eth0'])
        await run(['docker', 'restart', '-t', '0', await p.id('node2')])
        await p.ping('node1', '10.9.0.2')
        assert.match(await p.logs(), /Removing links of \S*node2/)
        assert.deepEqual((await p.networkLinks()).sort(), before, 'the same outer interfaces as before the restart')
      })

      if (mode === 'patch') {
        itLogs(p, 'patch mode makes no bridge: the two outer ends are joined by tc mirred', async () => {
          const links = await p.networkLinks()
          assert.ok(!links.includes('s1'), `no bridge s1 in ${links.join(' ')}`)
          const pid = String(await containerPid(await p.id('network')))
          const outer = links.find((l) => l.startsWith('node2'))!
          assert.match((await run(['nsenter', '-t', pid, '-n', 'tc', 'filter', 'show', 'dev', outer, 'ingress'])).stdout, /mirred/)
        })
      }
      if (mode === 'auto' && caps && !caps.openvswitch) {
        itLogs(p, 'auto without openvswitch warns and uses a Linux bridge', async () => {
          assert.match(await p.logs(), /openvswitch kernel module not loaded: bridge mode auto uses Linux bridges for s1/)
          assert.ok((await p.networkLinks()).includes('s1'))
        })
      }
    })
  }
})

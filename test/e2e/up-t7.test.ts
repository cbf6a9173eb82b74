// T7: MAC (+1 per replica), MTU, default MTU, ethtool and netem settings, and
// the merge of the top-level netem with the service's own (the service wins).
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { after, before, describe } from 'node:test'
import { run } from '../../src/exec.js'
import { ComposeProject, containerPid, editedExample, itLogs, kernel, missingPrerequisite, withLogs } from './compose.js'

const skip = await missingPrerequisite()
const netem = !skip && (await kernel()).netem
const NO_NETEM = 'this kernel lacks netem (sch_netem), so the netem settings were removed from the example for this run'

describe('conlink up: T7 link properties', { skip }, () => {
  // Without netem the links that ask for it cannot be made: leave it out.
  const file = netem
    ? 'test7-compose.yaml'
    : editedExample('test7-compose.yaml', (doc) => {
        delete doc['x-network'].links[0].netem
        delete doc.services.node['x-network'].links[0].netem
      })
  const p = new ComposeProject('h6t7', file)
  before(() => withLogs(() => p.logs(), () => p.up()))
  after(async () => {
    await p.down()
    if (file.startsWith('/')) rmSync(dirname(file), { recursive: true, force: true })
  })

  const inContainer = async (index: number, ...argv: string[]) =>
    (await run(['nsenter', '-t', String(await containerPid(await p.id('node', index))), '-n', ...argv])).stdout

  for (const index of [1, 2]) {
    itLogs(p, `replica ${index}: eth0 has MAC 00:0a:0b:0c:0d:0${index} and MTU 4111, eth1 the default MTU 5111`, async () => {
      const eth0 = await inContainer(index, 'ip', '-o', 'link', 'show', 'eth0')
      assert.match(eth0, new RegExp(`mtu 4111 .*link/ether 00:0a:0b:0c:0d:0${index} `))
      assert.match(await inContainer(index, 'ip', '-o', 'link', 'show', 'eth1'), / mtu 5111 /)
    })
  }

  itLogs(p, 'ethtool "--offload rx off" reads back as rx-checksumming off (tx off too: veth default)', async () => {
    const features = await inContainer(1, 'ethtool', '-k', 'eth0')
    assert.match(features, /^rx-checksumming: off/m)
    assert.match(features, /^tx-checksumming: off/m)
    assert.match(await inContainer(1, 'ethtool', '-k', 'eth1'), /^rx-checksumming: on/m)
  })

  itLogs(p, 'replicas ping each other on both links', async () => {
    await Promise.all([p.ping('node', '10.7.0.2', 1), p.ping('node', '10.8.0.2', 1)])
  })

  itLogs(p, "netem: the service's delay 40ms wins over the top-level delay 200ms", async (t) => {
    if (!netem) return t.skip(NO_NETEM)
    const qdisc = await inContainer(1, 'tc', 'qdisc', 'show', 'dev', 'eth0')
    assert.match(qdisc, /netem .*delay 40ms/)
    assert.doesNotMatch(qdisc, /200ms/)
  })
})

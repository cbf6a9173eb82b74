// Issue 7.1: the network container restarts (docker restart, and docker kill
// + docker start) while 20 replicas are wired: every link comes back, traffic
// flows, nothing of the old instance is left and nothing "already exists".
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { run } from '../../src/exec.js'
import { ALL_CONNECTED, missingPrerequisite } from './compose.js'
import { networkService, nodeService, replicasNotLoEth0, tempProject, timed, unexpectedProblems } from './reliability-helpers.js'

const skip = await missingPrerequisite()
const REPLICAS = 20

describe('reliability: network container restart with 20 replicas wired', { skip }, () => {
  const p = tempProject('h8restart', () => [networkService(), nodeService(REPLICAS)])
  let instances = 1
  before(() => timed(p, `up with ${REPLICAS} replicas`, () => p.up()))
  after(() => p.destroy())

  /** After the network container came back: links, traffic, no leftovers, no "already exists". */
  async function checkRecovered(oldPid: number): Promise<void> {
    instances++
    const logs = await p.waitForLog(ALL_CONNECTED, 60_000, instances)
    assert.notEqual(await p.networkPid(), oldPid, 'the network container runs a new process')
    const links = await p.waitForNetworkLinks()
    assert.equal(links.length, REPLICAS + 2, `lo + s1 + ${REPLICAS} outer ends: ${links.join(' ')}`)
    assert.deepEqual(await replicasNotLoEth0(p, 'node'), [], 'every replica holds exactly lo + eth0')
    await Promise.all([p.ping('node', `10.0.1.${REPLICAS}`, 1), p.ping('node', '10.0.1.1', REPLICAS)])
    assert.deepEqual(unexpectedProblems(logs), [], 'no warnings or errors in the log')
    assert.doesNotMatch(logs, /already exists/)
  }

  it('docker restart of the network container', () =>
    timed(p, 'docker restart + recovery', async () => {
      const oldPid = await p.networkPid()
      await run(['docker', 'restart', '-t', '10', await p.id('network')])
      await checkRecovered(oldPid)
    }))

  it('docker kill + docker start of the network container', () =>
    timed(p, 'docker kill + start + recovery', async () => {
      const oldPid = await p.networkPid()
      const id = await p.id('network')
      await run(['docker', 'kill', id])
      await run(['docker', 'start', id])
      await checkRecovered(oldPid)
    }))
})

// `conlink up` start-up undoes its kernel changes however it ends: the event
// subscription failing after bridges and tunnels exist, or SIGTERM arriving
// mid-start-up, leave the network namespace exactly as it was.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { runNetworkEngine, type UpOptions } from '../../src/engine/up.js'
import type { ContainerEngine } from '../../src/runtime/index.js'
import { capabilities, ipJson, snapshot, startContainer, type FakeContainer } from './ns.js'

const dir = mkdtempSync(join(tmpdir(), 'up-cleanup-'))
const file = join(dir, 'network.yaml')
writeFileSync(file, [
  'links:',
  '  - {container: uc-a, bridge: ucs1, ip: 10.0.7.1/24}',
  '  - {container: uc-b, bridge: ucs2, ip: 10.0.8.1/24}',
  'tunnels:',
  '  - {type: vxlan, bridge: ucs1, remote: 192.0.2.7, vni: 4077}',
  '',
].join('\n'))

const options: UpOptions = {
  composeFiles: [], networkFiles: [file], defaultBridgeMode: 'linux', defaultMtu: 1500, keepVethOffload: false,
  concurrency: 4, controlSocket: 'none',
}

/** An engine with no containers whose event subscription runs `subscribe` first, and whose listing `list` first. */
function fakeEngine(hooks: { subscribe?: () => Promise<void>; list?: () => Promise<void> }): ContainerEngine {
  return {
    kind: 'docker',
    listRunning: async () => {
      await hooks.list?.()
      return []
    },
    inspect: async () => undefined,
    events: async () => {
      await hooks.subscribe?.()
      return () => {}
    },
    exec: async () => 0,
    ownContainer: async () => undefined,
  }
}

describe('conlink up start-up cleans up after itself', () => {
  let net: FakeContainer
  let baseline: string
  before(async () => {
    net = await startContainer('uc-net')
    baseline = await snapshot(net)
  })
  after(() => {
    net?.kill()
    rmSync(dir, { recursive: true, force: true })
  })

  const linkNames = async () => (await ipJson<{ ifname: string }>(net, ['link', 'show'])).map((l) => l.ifname).sort()
  const up = (engine: ContainerEngine) => runNetworkEngine(options, { connectEngines: async () => [engine], ctx: { conlinkPid: net.pid } })
  const MADE = ['ucs1', 'ucs2', 'vxlan-4077']
  /** The listing runs while start-up makes bridges and tunnels: the hooks below wait until they are there. */
  const bridgesMade = async () => {
    for (let i = 0; i < 500 && !MADE.every((dev) => during.includes(dev)); i++) {
      during = await linkNames()
      await new Promise((r) => setTimeout(r, 10))
    }
  }
  let during: string[] = []

  test('an event subscription that fails: start-up fails before anything is made', async () => {
    during = []
    await assert.rejects(up(fakeEngine({ subscribe: async () => { throw new Error('event stream refused') } })), /event stream refused/)
    assert.deepEqual(await snapshot(net), baseline)
  })

  test('a container listing that fails after bridges exist', async (t) => {
    if (!(await capabilities()).vxlan) return t.skip('kernel lacks vxlan')
    during = []
    const engine = fakeEngine({ list: async () => {
      await bridgesMade()
      throw new Error('listing refused')
    } })
    await assert.rejects(up(engine), /listing refused/)
    assert.ok(MADE.every((dev) => during.includes(dev)), `bridges and tunnel existed: ${during}`)
    assert.deepEqual(await snapshot(net), baseline)
  })

  test('SIGTERM mid-start-up', async (t) => {
    if (!(await capabilities()).vxlan) return t.skip('kernel lacks vxlan')
    during = []
    const engine = fakeEngine({ list: async () => {
      await bridgesMade()
      const delivered = new Promise((resolve) => process.once('SIGTERM', resolve))
      // a signal handler does not keep node's event loop alive, and this fake engine has no stream that would
      const alive = setInterval(() => {}, 1000)
      process.kill(process.pid, 'SIGTERM')
      await delivered
      clearInterval(alive)
    } })
    await up(engine)
    assert.ok(MADE.every((dev) => during.includes(dev)), `bridges and tunnel existed: ${during}`)
    assert.deepEqual(await snapshot(net), baseline)
    assert.equal(process.listenerCount('SIGTERM'), 0, 'no signal handler left behind')
  })
})

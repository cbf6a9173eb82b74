// Issue 7.3: churn. Cycles of scaling `node` 1 -> 10 -> 1, with some replicas
// killed (SIGKILL) the moment they start, while their links are being made.
// After each step the network container holds exactly the outer ends of the
// running replicas; the log has no unexpected warnings or errors; the RSS of
// conlink does not grow from cycle to cycle.
// RELIABILITY_CYCLES sets the number of cycles (default 20).
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { after, before, describe, it } from 'node:test'
import { run } from '../../src/exec.js'
import { missingPrerequisite } from './compose.js'
import { median, networkService, SCALE, nodeService, rssKb, tempProject, timed, unexpectedProblems } from './reliability-helpers.js'

const skip = await missingPrerequisite()
const CYCLES = Number(process.env.RELIABILITY_CYCLES ?? 20)
const MAX = 10
/** Replicas killed as soon as their start event is seen. */
const KILLED = new Set(['4', '7', '10'])
/** RSS growth allowed between the median of the first and of the last 5 cycles. */
const RSS_SLACK_KB = 20 * 1024

/**
 * Expected in the log: a container that died before its links could be
 * deleted (killed, or stopped by scaling down) took its interfaces with it;
 * one killed while being wired fails that wiring because its namespace is gone.
 */
export const CHURN_ALLOWED = [
  /^WARNING: container \S+ \(pid \d+\) is gone: its interfaces went with it$/,
  /^WARNING: container \S+ \(pid \d+\) died while its links were being created/,
  // undoing that wiring: the outer end of the veth vanished with the namespace
  /^WARNING: undo: \[network\] ip link del dev \S+: Cannot find device/,
]

/** Kills every replica of the project whose index is in KILLED right when it starts; counts the kills. */
function killOnStart(project: string): { proc: ChildProcess; kills: number; stop: () => void } {
  const filters = ['--filter', `label=com.docker.compose.project=${project}`, '--filter', 'label=com.docker.compose.service=node']
  const proc = spawn('docker', ['events', '--filter', 'event=start', ...filters, '--format', '{{json .}}'], { stdio: ['ignore', 'pipe', 'ignore'] })
  const state = { proc, kills: 0, stop: () => proc.kill() }
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const event = JSON.parse(line) as { id: string; Actor?: { Attributes?: Record<string, string> } }
    if (!KILLED.has(event.Actor?.Attributes?.['com.docker.compose.container-number'] ?? '')) return
    state.kills++
    void run(['docker', 'kill', event.id], { allowFailure: true })
  })
  return state
}

describe(`reliability: churn, ${CYCLES} cycles of scale 1 -> ${MAX} -> 1 with kills on start`, { skip }, () => {
  const p = tempProject('h8churn', () => [networkService(), nodeService(1)])
  let killer: ReturnType<typeof killOnStart> | undefined
  before(() => timed(p, 'up with 1 replica', () => p.up()))
  after(async () => {
    killer?.stop()
    await p.destroy()
  })

  it('leaves exactly the running replicas wired, logs no surprises, keeps RSS flat', () =>
    timed(p, `${CYCLES} churn cycles`, async () => {
      killer = killOnStart(p.name)
      const pid = await p.networkPid()
      const rss: number[] = []
      const times: number[] = []
      for (let cycle = 1; cycle <= CYCLES; cycle++) {
        const start = Date.now()
        await p.compose([...SCALE, `node=${MAX}`, 'node'])
        const up = await p.waitForNetworkLinks()
        await p.compose([...SCALE, 'node=1', 'node'])
        const down = await p.waitForNetworkLinks()
        assert.deepEqual(down, ['lo', 'node_1-eth0', 's1'], `cycle ${cycle}: only replica 1 is left`)
        rss.push(rssKb(pid))
        times.push(Date.now() - start)
        console.log(`# [h8] cycle ${cycle}: ${times.at(-1)} ms, ${up.length - 2} wired at the top, RSS ${(rss.at(-1)! / 1024).toFixed(1)} MB`)
      }
      assert.equal(await p.networkPid(), pid, 'the network container never restarted')
      console.log(`# [h8] ${CYCLES} cycles, ${killer.kills} replicas killed on start, mean ${(times.reduce((a, b) => a + b, 0) / CYCLES / 1000).toFixed(1)} s per cycle`)
      console.log(`# [h8] RSS per cycle (MB): ${rss.map((kb) => (kb / 1024).toFixed(1)).join(' ')}`)
      assert.ok(killer.kills > 0, 'some replicas were killed on start')
      assert.deepEqual(unexpectedProblems(await p.logs(), CHURN_ALLOWED), [], 'no unexpected warnings or errors')
      if (CYCLES >= 10) {
        const [first, last] = [median(rss.slice(0, 5)), median(rss.slice(-5))]
        assert.ok(last - first <= RSS_SLACK_KB, `RSS grew from ${first} kB (median of the first 5 cycles) to ${last} kB (last 5)`)
      }
    }))
})

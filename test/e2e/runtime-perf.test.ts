// listRunning must stay fast with many containers: one list call plus bounded parallel inspects.
// H5_PERF_N sets the container count (default 200).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { mapLimit, type EngineClient, type EngineKind } from '../../src/runtime/index.js'
import { engineOrReason, removeTestContainers, TEST_IMAGE, TEST_LABEL } from './runtime-helpers.js'

const COUNT = Number(process.env.H5_PERF_N ?? 200)
const [labelKey, labelValue] = TEST_LABEL.split('=')

for (const kind of ['docker', 'podman'] as EngineKind[]) {
  describe(`listRunning of ${COUNT} containers (${kind})`, () => {
    let client: EngineClient | string
    before(async () => {
      client = await engineOrReason(kind)
      if (typeof client === 'string') return
      const created = Date.now()
      await mapLimit([...Array(COUNT).keys()], 16, async (i) => {
        const c = await (client as EngineClient).docker.createContainer({
          name: `h5-perf-${kind}-${i}`,
          Image: TEST_IMAGE,
          Cmd: ['sleep', '600'],
          Labels: { [labelKey]: labelValue },
          HostConfig: { NetworkMode: 'none' },
        })
        await c.start()
      })
      console.log(`${kind}: started ${COUNT} containers in ${Date.now() - created} ms`)
    }, { timeout: 600_000 })
    after(() => removeTestContainers(kind), { timeout: 600_000 })

    it('lists and inspects them quickly', async (t) => {
      if (typeof client === 'string') return t.skip(client)
      const started = performance.now()
      const running = await client.listRunning()
      const ms = Math.round(performance.now() - started)
      const mine = running.filter((i) => i.name.startsWith(`h5-perf-${kind}-`))
      console.log(`${kind}: listRunning of ${running.length} running containers took ${ms} ms`)
      assert.equal(mine.length, COUNT)
      assert.ok(mine.every((i) => i.pid > 1))
      assert.ok(ms < 10_000, `listRunning took ${ms} ms`)
    })
  })
}

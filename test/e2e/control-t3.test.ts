// Runtime control's host form with --container, under Docker and rootful
// Podman: T3 (two hand-started containers, no compose) with the network
// container launched by `conlink up -d` on the host. status, link down/up
// and events through each engine's exec API.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { execa } from 'execa'
import { run } from '../../src/exec.js'
import type { StatusDocument } from '../../src/control/status.js'
import { EXAMPLES, REPO, containerLogs, pingUntil, podmanUnusable, toolsPrerequisite, waitUntil, withLogs } from './compose.js'
import { TEST_IMAGE } from './runtime-helpers.js'

const prerequisite = await toolsPrerequisite()
const CONLINK = join(REPO, 'bin/conlink.js')


describe('runtime control on T3 (host form, --container)', { skip: prerequisite }, () => {
  for (const engine of ['docker', 'podman'] as const)
    describe(engine, () => {
      const NAME = `ctl13-${engine}-net`
      const NODES = [`ctl13-${engine}-n1`, `ctl13-${engine}-n2`]
      const rm = engine === 'podman' ? ['podman', 'rm', '-f', '-t', '0'] : ['docker', 'rm', '-f']
      const clean = () => Promise.all([NAME, ...NODES].map((n) => run([...rm, n], { allowFailure: true })))
      const conlink = async (args: string[]) => {
        const sockets = engine === 'podman' ? ['--docker-socket', '/nonexistent/ctl.sock'] : ['--podman-socket', '/nonexistent/ctl.sock']
        const r = await execa(process.execPath, [CONLINK, ...args, '--container', NAME, ...sockets], { reject: false, timeout: 60_000 })
        return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? 1 }
      }
      let skip: string | undefined

      before(async () => {
        skip = engine === 'podman' ? await podmanUnusable() : undefined
        if (skip) return
        await clean()
        const caps = engine === 'podman' ? ['--cap-add', 'NET_RAW'] : []
        await Promise.all(NODES.map((n) => run([engine, 'run', '-d', '--network', 'none', ...caps, '--name', n, TEST_IMAGE, 'sleep', '600'])))
        const up = ['up', '-d', '--mode', engine, '--name', NAME, '--network-file', EXAMPLES + 'test3-network.yaml', '--', '-e', `NODE_NAME_1=${NODES[0]}`, '-e', `NODE_NAME_2=${NODES[1]}`]
        await run([process.execPath, CONLINK, ...up], { timeoutMs: 60_000 })
        await waitUntil(`"All links connected" in ${NAME}`, 30_000, async () => (await containerLogs(NAME, engine)).includes('All links connected'))
      })
      after(async () => {
        if (skip) return
        await run([process.execPath, CONLINK, 'down', '--mode', engine, '--name', NAME, '--timeout', '5'], { allowFailure: true, timeoutMs: 60_000 })
        await clean()
      })

      const logged = (fn: () => Promise<void>) => async (t: { skip: (reason: string) => void }) => {
        if (skip) return t.skip(skip)
        await withLogs(() => containerLogs(NAME, engine), fn)
      }

      it('status --json through the exec API shows both links up', logged(async () => {
        const r = await conlink(['status', '--json'])
        assert.equal(r.exitCode, 0, r.stderr)
        const doc = JSON.parse(r.stdout) as StatusDocument
        assert.deepEqual(doc.links.map((l) => [l.link, l.actual?.carrier, l.actual?.addresses]), [
          [`${NODES[0]}:ext-intf`, true, ['172.16.3.1/24']],
          [`${NODES[1]}:ext-intf`, true, ['172.16.3.2/24']],
        ])
        assert.equal(doc.summary.ok, true)
      }))

      it('link down CONTAINER:DEV stops traffic, link up restores it, events show both', logged(async () => {
        await pingUntil(NODES[0], '172.16.3.2', 10_000, engine)
        assert.equal((await conlink(['link', 'down', `${NODES[1]}:ext-intf`])).exitCode, 0)
        const failed = await run([engine, 'exec', NODES[0], 'ping', '-c1', '-W1', '172.16.3.2'], { allowFailure: true })
        assert.notEqual(failed.exitCode, 0)
        assert.equal((await conlink(['link', 'up', `${NODES[1]}:ext-intf`])).exitCode, 0)
        await pingUntil(NODES[0], '172.16.3.2', 10_000, engine)
        const events = (await conlink(['events', '--history', '--no-follow'])).stdout
        assert.match(events, new RegExp(`down +${NODES[1]}:ext-intf[\\s\\S]*up +${NODES[1]}:ext-intf`))
      }))
    })
})

// T3: no compose. Two containers started by hand with `--network none`;
// `conlink up --network-file` on the host launches the network container
// (src/launcher), which wires them; SIGINT stops and removes it. Under
// Docker, and under rootful Podman through its API socket.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { execa, type ResultPromise } from 'execa'
import { run } from '../../src/exec.js'
import { EXAMPLES, REPO, missingPrerequisite, pingUntil, podmanUnusable, waitUntil, withLogs } from './compose.js'
import { TEST_IMAGE } from './runtime-helpers.js'

const NAME = 'h6-conlink'
const NODES = ['h6-t3-node1', 'h6-t3-node2']
const prerequisite = await missingPrerequisite()


describe('conlink up on the host: T3', { skip: prerequisite }, () => {
  for (const engine of ['docker', 'podman'] as const) describe(engine, () => {
    let skip: string | undefined
    let launcher: ResultPromise<{ all: true; reject: false }> | undefined
    let output = ''
    // One name per call: Podman 4.3 `rm -f` skips the rest after a missing name; -t 0: sleep ignores SIGTERM.
    const rm = engine === 'podman' ? ['podman', 'rm', '-f', '-t', '0'] : ['docker', 'rm', '-f']
    const clean = () => Promise.all([NAME, ...NODES].map((n) => run([...rm, n], { allowFailure: true })))

    before(async () => {
      skip = engine === 'podman' ? await podmanUnusable() : undefined
      if (skip) return console.log(`skipping T3 under podman: ${skip}`)
      await clean()
      // Podman 4.3 does not give NET_RAW by default: ping needs it.
      const caps = engine === 'podman' ? ['--cap-add', 'NET_RAW'] : []
      await Promise.all(NODES.map((n) => run([engine, 'run', '-d', '--network', 'none', ...caps, '--name', n, TEST_IMAGE, 'sleep', '600'])))
    })
    after(async () => {
      if (launcher?.exitCode === null) launcher.kill('SIGKILL')
      await clean()
    })

    const logged = (fn: () => Promise<void>) => () => withLogs(async () => output, fn)

    it('launches the network container, which wires both containers', (t) => logged(async () => {
      if (skip) return t.skip(skip)
      const args = ['bin/conlink.js', 'up', '--mode', engine, '--name', NAME, '--network-file', EXAMPLES + 'test3-network.yaml']
      launcher = execa('node', [...args, '--', '-e', `NODE_NAME_1=${NODES[0]}`, '-e', `NODE_NAME_2=${NODES[1]}`], { cwd: REPO, all: true, reject: false })
      launcher.all.on('data', (chunk: Buffer) => (output += chunk.toString()))
      await waitUntil('"All links connected" from the launcher', 30_000, async () => output.includes('All links connected') || launcher?.exitCode != null)
      assert.match(output, /All links connected/)
      await pingUntil(NODES[0], '172.16.3.2', 10_000, engine)
      await pingUntil(NODES[1], '172.16.3.1', 10_000, engine)
    })())

    it('SIGINT stops the launcher cleanly and removes the network container', (t) => logged(async () => {
      if (skip) return t.skip(skip)
      assert.ok(launcher, 'the launch test above started the launcher')
      launcher.kill('SIGINT')
      const result = await launcher
      assert.equal(result.exitCode, 0)
      assert.match(output, /Received SIGTERM: removing links, tunnels and bridges/)
      const gone = await run([engine, 'container', 'inspect', NAME], { allowFailure: true })
      assert.notEqual(gone.exitCode, 0, `${NAME} still exists`)
      const links = (await run([engine, 'exec', NODES[0], 'ip', '-o', 'link'])).stdout
      assert.doesNotMatch(links, /ext-intf/, 'the links went with the network container')
    })())
  })
})

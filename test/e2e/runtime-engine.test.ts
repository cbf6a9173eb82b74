// The runtime room against the real engines: Docker (always) and Podman (when its socket answers).
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { run } from '../../src/exec.js'
import { connectEngines, containerIdFromMountinfo, EngineClient, type EngineEvent } from '../../src/runtime/index.js'
import { containerPidsFromProc } from '../../src/runtime/procpids.js'
import { PODMAN_SOCKET } from './compose.js'
import { engineOrReason, removeTestContainers, runTestContainer, TEST_IMAGE, TEST_LABEL, waitFor } from './runtime-helpers.js'

for (const kind of ['docker', 'podman'] as const) {
  describe(`runtime against ${kind}`, () => {
    let client: EngineClient | string
    before(async () => {
      client = await engineOrReason(kind)
      if (typeof client === 'string') console.log(`# skipping ${kind} tests: ${client}`)
    })
    after(() => removeTestContainers(kind))

    /** The client, or skip the test with the reason. */
    const engine = (t: { skip: (msg: string) => void }): EngineClient | undefined => {
      if (typeof client !== 'string') return client
      t.skip(client)
      return undefined
    }

    it('reports start and die events of run and kill', async (t) => {
      const c = engine(t)
      if (!c) return
      const seen: EngineEvent[] = []
      const listeners: Array<() => void> = []
      const errors: unknown[] = []
      const stop = await c.events(
        (e) => {
          seen.push(e)
          listeners.forEach((l) => l())
        },
        (err) => errors.push(err),
      )
      try {
        const until = (action: string, id: string) =>
          waitFor(`${action} of ${id.slice(0, 12)}`, 10_000, (found) => {
            const check = () => seen.some((e) => e.action === action && e.id === id) && found(true)
            listeners.push(check)
            check()
          })
        const id = await runTestContainer(kind, `h5-ev-${kind}`)
        await until('start', id)
        await run([kind, 'kill', id])
        await until('die', id)
        assert.deepEqual(errors, [])
      } finally {
        stop()
      }
    })

    it('inspects a running container and returns undefined once it is gone', async (t) => {
      const c = engine(t)
      if (!c) return
      const id = await runTestContainer(kind, `h5-in-${kind}`)
      const info = await c.inspect(id)
      assert.equal(info?.id, id)
      assert.equal(info?.name, `h5-in-${kind}`)
      assert.equal(info?.index, 1)
      assert.equal(info?.service, undefined)
      assert.ok((info?.pid ?? 0) > 1)
      assert.ok((await c.listRunning()).some((i) => i.id === id && i.pid === info?.pid))
      await run([kind, 'rm', '-f', id])
      assert.equal(await c.inspect(id), undefined)
    })

    it('finds each running container\'s pid in /proc as inspect reports it; one with a second process from outside is left to inspect', async (t) => {
      const c = engine(t)
      if (!c) return
      if (kind === 'podman') return t.skip('Podman lists each container\'s pid: /proc is not read')
      const plain = await runTestContainer(kind, `h5-pp-${kind}`)
      const execd = await runTestContainer(kind, `h5-px-${kind}`)
      const exec = run([kind, 'exec', execd, 'sleep', '30'], { allowFailure: true })
      try {
        const pidOf = async (id: string) => (await c.inspect(id))?.pid
        await waitFor('the exec', 10_000, (found) => {
          const poll = () => (containerPidsFromProc([execd]).has(execd) ? setTimeout(poll, 20) : found(true))
          poll()
        })
        const fromProc = containerPidsFromProc([plain, execd, '0'.repeat(64)])
        assert.deepEqual([...fromProc], [[plain, await pidOf(plain)]])
        const listed = await c.listRunning()
        assert.equal(listed.find((i) => i.id === execd)?.pid, await pidOf(execd), 'listRunning inspects the one /proc cannot tell')
        assert.equal(listed.find((i) => i.id === plain)?.pid, await pidOf(plain))
      } finally {
        await run([kind, 'rm', '-f', execd], { allowFailure: true })
        await exec
      }
    })

    it('describes a container from its start event and /proc, as inspect does, without asking the engine', async (t) => {
      const c = engine(t)
      if (!c) return
      if (kind === 'podman') return t.skip('Podman\'s events carry no labels: its starts are inspected')
      const starts = new Map<string, EngineEvent>()
      let notify = () => {}
      const stop = await c.events((e) => e.action === 'start' && (starts.set(e.id, e), notify()), () => undefined)
      try {
        const labels = ['com.docker.compose.project=h5ev', 'com.docker.compose.service=svc', 'com.docker.compose.container-number=2', TEST_LABEL]
        const args = [kind, 'run', '-d', '--name', `h5-se-${kind}`, ...labels.flatMap((l) => ['--label', l]), '--network', 'none', TEST_IMAGE, 'sleep', '600']
        const id = (await run(args)).stdout.trim()
        const event = await waitFor('its start event', 10_000, (found: (e: EngineEvent) => void) => {
          notify = () => starts.has(id) && found(starts.get(id)!)
          notify()
        })
        const expected = await c.inspect(id)
        assert.equal(expected?.service, 'svc')
        const refuse = () => {
          throw new Error('asked the engine')
        }
        const docker = new Proxy(c.docker, { get: (target, key) => (key === 'getContainer' ? refuse : Reflect.get(target, key)) })
        const withoutEngine = new EngineClient(kind, c.socketPath, docker)
        assert.deepEqual(await withoutEngine.inspect(id, event), expected)
        await run([kind, 'rm', '-f', id])
        assert.equal(await c.inspect(id, event), undefined, 'gone: /proc has no init, and the inspect says so')
      } finally {
        stop()
      }
    })

    it('execs a string through sh -c and an array as argv, with lines and exit code', async (t) => {
      const c = engine(t)
      if (!c) return
      const id = await runTestContainer(kind, `h5-ex-${kind}`)
      const lines: string[] = []
      const code = await c.exec(id, 'echo one; echo two >&2; printf "no newline"; exit 3', (s, l) => lines.push(`${s}:${l}`))
      assert.equal(code, 3)
      assert.deepEqual(lines.sort(), ['stderr:two', 'stdout:no newline', 'stdout:one'])
      const argv: string[] = []
      assert.equal(await c.exec(id, ['echo', 'a b; touch /h5-x'], (_s, l) => argv.push(l)), 0)
      assert.deepEqual(argv, ['a b; touch /h5-x'])
      assert.equal(await c.exec(id, ['test', '-e', '/h5-x'], () => undefined), 1)
    })

    it("finds a container's own id in its mountinfo and inspects it", async (t) => {
      const c = engine(t)
      if (!c) return
      const id = await runTestContainer(kind, `h5-own-${kind}`)
      const lines: string[] = []
      await c.exec(id, ['cat', '/proc/self/mountinfo'], (_s, l) => lines.push(l))
      const own = containerIdFromMountinfo(lines.join('\n'))
      assert.equal(own, id)
      assert.equal((await c.inspect(own))?.name, `h5-own-${kind}`)
    })
  })
}

describe('runtime with compose (docker-compose v1)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'h5-compose-'))
  const file = join(dir, 'compose.yaml')
  const compose = ['docker-compose', '-p', 'h5proj', '-f', file]
  let client: EngineClient | string
  before(async () => {
    client = await engineOrReason('docker')
    writeFileSync(
      file,
      [
        'version: "2.4"',
        'services:',
        '  node:',
        `    image: ${TEST_IMAGE}`,
        '    network_mode: none',
        '    scale: 2',
        `    labels: ["${TEST_LABEL}"]`,
        '    command: ["sleep", "600"]',
        '',
      ].join('\n'),
    )
  })
  after(async () => {
    await run([...compose, 'down', '-t', '0'], { allowFailure: true })
    rmSync(dir, { recursive: true, force: true })
  })

  it('lists the replicas with service, index, project and working dir from labels', async (t) => {
    if (typeof client === 'string') return t.skip(client)
    const up = await run([...compose, 'up', '-d'], { allowFailure: true })
    if (up.exitCode !== 0) return t.skip(`docker-compose up failed: ${up.stderr}`)
    const mine = (await client.listRunning()).filter((i) => i.project === 'h5proj')
    assert.deepEqual(mine.map((i) => [i.service, i.index]).sort(), [['node', 1], ['node', 2]])
    for (const info of mine) {
      assert.equal(info.workingDir, dir)
      assert.ok(info.pid > 1)
      assert.ok(!info.name.startsWith('/'))
    }
  })
})

describe('connectEngines', () => {
  it('names both paths and the fix when no socket answers', async () => {
    await assert.rejects(connectEngines({ dockerSocket: '/nonexistent/h5-d.sock', podmanSocket: '/nonexistent/h5-p.sock' }), (err: Error & { hint?: string }) => {
      assert.match(err.message, /\/nonexistent\/h5-d\.sock/)
      assert.match(err.message, /\/nonexistent\/h5-p\.sock/)
      assert.match(err.hint ?? '', /mount \/var\/run\/docker\.sock/)
      return true
    })
  })

  it('warns about a socket file that does not answer and still fails clearly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'h5-sock-'))
    const dead = join(dir, 'dead.sock')
    writeFileSync(dead, '')
    try {
      await assert.rejects(connectEngines({ dockerSocket: dead, podmanSocket: '/nonexistent/h5-p.sock' }), /no container engine answers/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('connects to docker and reports its kind', async () => {
    const clients = await connectEngines({ podmanSocket: '/nonexistent/h5-p.sock' })
    assert.deepEqual(
      clients.map((c) => c.kind),
      ['docker'],
    )
  })

  it("tells Podman from its ping reply, on Podman's socket or on one named as Docker's", async (t) => {
    if (!existsSync(PODMAN_SOCKET)) return t.skip(`${PODMAN_SOCKET} is missing (scripts/testbed.sh starts Podman's API)`)
    const [own, asDocker] = [await connectEngines({ dockerSocket: '/nonexistent/h5-d.sock' }), await connectEngines({ dockerSocket: PODMAN_SOCKET, podmanSocket: '/nonexistent/h5-p.sock' })]
    assert.deepEqual([...own, ...asDocker].map((c) => c.kind), ['podman', 'podman'])
    assert.ok((await own[0].listRunning()).every((info) => info.pid > 0))
  })

  it('a socket whose HTTP server is not an engine (its ping fails) is a warning, and none answering an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'h5-http-'))
    const sock = join(dir, 'web.sock')
    const server = createServer((_, res) => res.writeHead(404).end('not here'))
    await new Promise<void>((resolve) => server.listen(sock, resolve))
    try {
      await assert.rejects(connectEngines({ dockerSocket: sock, podmanSocket: '/nonexistent/h5-p.sock' }), /no container engine answers/)
    } finally {
      server.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

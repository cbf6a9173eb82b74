// The reconciler (NetworkEngine, EngineWatch) against a fake engine client and
// a recorder in place of the kernel: what it wires and unwires, and when.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import type { ContainerInfo, LinkInstance, LinkSpec, NetworkConfig } from '../../src/config/types.js'
import { NetworkEngine, type LinkWork } from '../../src/engine/engine.js'
import { EngineWatch } from '../../src/engine/watch.js'
import type { Capabilities, NetContext } from '../../src/net/index.js'
import type { ContainerEngine, EngineEvent } from '../../src/runtime/index.js'

const origin = { file: 'net.yaml', path: 'links[0]' }
const link = (container: string): LinkSpec => ({
  type: 'veth', container, dev: 'eth0', bridge: 's1', route: [], netem: [], forward: [], ethtool: [], base: 'conlink', origin,
})
const config: NetworkConfig = {
  bridges: { s1: { bridge: 's1', mode: 'linux', 'resolved-mode': 'linux' } },
  tunnels: [],
  services: {},
  containers: Object.fromEntries(['c1', 'c2', 'c3'].map((name) => [name, { links: [link(name)], commands: [] }])),
}
const ctx: NetContext = { bridges: config.bridges, capabilities: {} as Capabilities }
const info = (name: string, pid: number): ContainerInfo => ({ id: `${name}-id`, name, pid, index: 1 })

/** A container engine whose running containers and event stream the test controls. */
class FakeEngine implements ContainerEngine {
  readonly kind = 'docker' as const
  running = new Map<string, ContainerInfo>()
  subscriptions = 0
  private onError: ((err: unknown) => void) | undefined
  private onEvent: ((e: EngineEvent) => void) | undefined

  run(c: ContainerInfo): void {
    this.running.set(c.id, c)
  }
  async listRunning() {
    return [...this.running.values()]
  }
  inspected: string[] = []
  async inspect(id: string) {
    this.inspected.push(id)
    return this.running.get(id)
  }
  async events(onEvent: (e: EngineEvent) => void, onError: (err: unknown) => void) {
    this.subscriptions++
    this.onEvent = onEvent
    this.onError = onError
    return () => {}
  }
  async exec() {
    return 0
  }
  async ownContainer() {
    return undefined
  }
  cutStream(): void {
    this.onError?.(new Error('socket cut'))
  }
  emit(e: EngineEvent): void {
    this.onEvent?.(e)
  }
}

/** Records each container's adds and deletes as `name/pid`; `hold` makes adds wait until released. */
class LinkRecorder implements LinkWork {
  added: string[] = []
  deleted: string[] = []
  private gate: Promise<void> | undefined
  private open: (() => void) | undefined

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve))
  }
  release(): void {
    this.open?.()
    this.gate = undefined
  }
  async add(_ctx: NetContext, groups: LinkInstance[][]) {
    await this.gate
    const results = new Map<string, Error | undefined>()
    for (const group of groups) {
      this.added.push(...group.map(label))
      results.set(group[0].container.id, undefined)
    }
    return results
  }
  async delete(_ctx: NetContext, groups: LinkInstance[][]) {
    for (const group of groups) this.deleted.push(...group.map(label))
  }
}
const label = (inst: LinkInstance) => `${inst.container.name}/${inst.container.pid}`

function setUp() {
  const links = new LinkRecorder()
  const engine = new NetworkEngine({ config, ctx, scope: {}, concurrency: 4, links })
  return { links, engine, client: new FakeEngine() }
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await sleep(10)) if (Date.now() > end) assert.fail(`timed out waiting for ${what}`)
}

test('a restart with a new pid unwires the old links, then wires the new ones', async () => {
  const { links, engine, client } = setUp()
  client.run(info('c1', 100))
  await engine.containerStarted(client, 'c1-id')
  client.run(info('c1', 200))
  await engine.containerStarted(client, 'c1-id')
  assert.deepEqual(links.added, ['c1/100', 'c1/200'])
  assert.deepEqual(links.deleted, ['c1/100'])
  assert.equal(engine.state.containers.get('c1-id')?.info.pid, 200)
  // the same start again (same pid, connected) changes nothing
  await engine.containerStarted(client, 'c1-id')
  assert.deepEqual(links.added, ['c1/100', 'c1/200'])
})

test("a Docker start event whose name and labels match nothing in the config is dropped without looking the container up", async () => {
  const { links, engine, client } = setUp()
  client.run(info('other', 400))
  client.run(info('c1', 100))
  await engine.containerStarted(client, 'other-id', { event: { action: 'start', id: 'other-id', attributes: { name: 'other' } } })
  await engine.containerStarted(client, 'c1-id', { event: { action: 'start', id: 'c1-id', attributes: { name: 'c1' } } })
  // an event without attributes (Podman) is looked up before matching
  await engine.containerStarted(client, 'other-id', { event: { action: 'start', id: 'other-id' } })
  assert.deepEqual(client.inspected, ['c1-id', 'other-id'])
  assert.deepEqual(links.added, ['c1/100'])
})

test('a death before wiring finishes waits for the wiring, then removes the links', async () => {
  const { links, engine, client } = setUp()
  client.run(info('c2', 300))
  links.hold()
  const started = engine.containerStarted(client, 'c2-id')
  await until('the add to begin', () => engine.state.containers.get('c2-id')?.status === 'pending')
  const died = engine.containerDied('c2-id')
  await sleep(20)
  assert.deepEqual(links.deleted, [], 'the die waits behind the start')
  links.release()
  await Promise.all([started, died])
  assert.deepEqual(links.added, ['c2/300'])
  assert.deepEqual(links.deleted, ['c2/300'])
  assert.equal(engine.state.containers.size, 0)
})

test('after a lost event stream the watch reconnects and resynchronises', async () => {
  const { links, engine, client } = setUp()
  client.run(info('c1', 100))
  client.run(info('c2', 101))
  const watch = new EngineWatch(engine, client)
  await watch.start()
  await engine.resync(client)
  assert.deepEqual(links.added.sort(), ['c1/100', 'c2/101'])
  // while the stream is down: c1 dies, c3 starts
  client.running.delete('c1-id')
  client.run(info('c3', 102))
  client.cutStream()
  await until('the resync', () => links.added.includes('c3/102') && links.deleted.includes('c1/100'))
  watch.stop()
  assert.equal(client.subscriptions, 2)
  assert.deepEqual([...engine.state.containers.keys()].sort(), ['c2-id', 'c3-id'])
})

test('events that come before the engine is made (start-up subscribes first) are handled once it is, in order', async () => {
  const { links, engine, client } = setUp()
  let made!: (e: NetworkEngine) => void
  const watch = new EngineWatch(new Promise<NetworkEngine>((resolve) => (made = resolve)), client)
  await watch.start()
  client.run(info('c1', 100))
  client.emit({ action: 'start', id: 'c1-id' })
  client.run(info('c2', 101))
  client.emit({ action: 'start', id: 'c2-id' })
  client.running.delete('c2-id')
  client.emit({ action: 'die', id: 'c2-id' })
  await sleep(20)
  assert.deepEqual(links.added, [], 'nothing is wired before the engine exists')
  made(engine)
  await until('c1 wired', () => links.added.includes('c1/100'))
  await engine.resync(client)
  watch.stop()
  assert.deepEqual(links.added, ['c1/100'], 'c2 was gone by the time its start was handled')
  assert.deepEqual([...engine.state.containers.keys()], ['c1-id'])
})

test('shutdown drains work in flight, removes every link, and wires nothing more', async () => {
  const { links, engine, client } = setUp()
  client.run(info('c1', 100))
  client.run(info('c2', 101))
  await engine.containerStarted(client, 'c1-id')
  links.hold()
  const inFlight = engine.containerStarted(client, 'c2-id')
  await until('the add to begin', () => engine.state.containers.get('c2-id')?.status === 'pending')
  const stopped = engine.shutdown()
  links.release()
  await Promise.all([inFlight, stopped])
  assert.deepEqual(links.deleted.sort(), ['c1/100', 'c2/101'])
  assert.equal(engine.state.containers.size, 0)
  client.run(info('c3', 102))
  await engine.containerStarted(client, 'c3-id')
  assert.ok(!links.added.includes('c3/102'), 'no wiring after shutdown')
})

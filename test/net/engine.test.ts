// The engine below e2e: the real reconciler (src/engine) with a fake engine
// client over "containers" that are sleep processes in fresh network
// namespaces. Config goes through the real path (file -> loadNetworkConfig ->
// instantiateLink); links are made by the real executor. Each test builds
// its own network namespace, bridge, engine and containers.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, afterEach, beforeEach, describe, test } from 'node:test'
import { loadNetworkConfig } from '../../src/config/index.js'
import type { ContainerInfo, NetworkConfig } from '../../src/config/types.js'
import { ALL_CONNECTED, NetworkEngine } from '../../src/engine/engine.js'
import { EngineWatch } from '../../src/engine/watch.js'
import { run, type Runner } from '../../src/exec.js'
import { log } from '../../src/log.js'
import { createBridges, deleteBridges, type NetContext } from '../../src/net/index.js'
import { jobRunner } from '../../src/net/spawner.js'
import type { EngineClient, EngineEvent, OutputStream } from '../../src/runtime/index.js'
import { capabilities, inside, ipJson, ping, startContainer, type FakeContainer } from './ns.js'

const PROJECT = 'h4p'
const dir = mkdtempSync(join(tmpdir(), 'h4-engine-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** Engine I/O without an engine: a list of running containers, an event stream the test drives, exec through nsenter. */
class FakeEngineClient {
  readonly kind = 'docker' as const
  readonly running = new Map<string, ContainerInfo>()
  readonly execs: Array<{ name: string; command: string | string[]; when: number }> = []
  /** While set, the engine is unreachable: listing and subscribing fail. */
  unreachable = false
  private handlers: { onEvent: (e: EngineEvent) => void; onError: (err: unknown) => void } | undefined

  async listRunning(): Promise<ContainerInfo[]> {
    if (this.unreachable) throw new Error('connect ECONNREFUSED /var/run/docker.sock')
    return [...this.running.values()]
  }
  async inspect(id: string): Promise<ContainerInfo | undefined> {
    return this.running.get(id)
  }
  async events(onEvent: (e: EngineEvent) => void, onError: (err: unknown) => void): Promise<() => void> {
    if (this.unreachable) throw new Error('connect ECONNREFUSED /var/run/docker.sock')
    const handlers = { onEvent, onError }
    this.handlers = handlers
    return () => {
      if (this.handlers === handlers) this.handlers = undefined
    }
  }
  async exec(id: string, command: string | string[], onLine: (stream: OutputStream, line: string) => void): Promise<number> {
    const info = this.running.get(id)
    if (!info || !Array.isArray(command)) return 127
    this.execs.push({ name: info.name, command, when: Date.now() })
    const r = await run(['nsenter', `--net=/proc/${info.pid}/ns/net`, ...command], { allowFailure: true })
    for (const line of r.stdout.split('\n').filter(Boolean)) onLine('stdout', line)
    return r.exitCode
  }
  async ownContainer(): Promise<ContainerInfo | undefined> {
    return undefined
  }
  get subscribed(): boolean {
    return this.handlers !== undefined
  }
  emit(action: EngineEvent['action'], id: string): void {
    this.handlers?.onEvent({ action, id })
  }
  /** The stream breaks (engine restarted, socket cut). */
  cut(err: Error): void {
    this.handlers?.onError(err)
  }
}

/** Every log line while a test runs, by level. */
const logged: Array<{ level: 'info' | 'warn' | 'error'; msg: string }> = []
const original = { ...log }
beforeEach(() => {
  logged.length = 0
  log.info = (msg) => (logged.push({ level: 'info', msg }), original.info(msg))
  log.warn = (msg) => (logged.push({ level: 'warn', msg }), original.warn(msg))
  log.error = (msg) => (logged.push({ level: 'error', msg }), original.error(msg))
})
const lines = (level: 'info' | 'warn' | 'error', re: RegExp) => logged.filter((l) => l.level === level && re.test(l.msg)).map((l) => l.msg)
const announcements = () => lines('info', new RegExp(`^${ALL_CONNECTED}$`)).length

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

interface Rig {
  config: NetworkConfig
  ctx: NetContext
  net: FakeContainer
  host: FakeContainer
  client: FakeEngineClient
  engine: NetworkEngine
  /** Start (or restart, same id, new pid) a fake compose replica or plain container; it is running in the client. */
  start(name: string, service?: string, index?: number): Promise<FakeContainer & ContainerInfo>
  /** Kill its process and drop it from the running list (no event). */
  kill(name: string): FakeContainer & ContainerInfo
  outerNames(): Promise<string[]>
}

const rigs: Array<() => Promise<void>> = []
/** Stop the test's engines and processes (also called before a t.skip(): node runs no afterEach for a skipped test). */
async function cleanUp(): Promise<void> {
  for (const cleanup of rigs.splice(0)) await cleanup()
  Object.assign(log, original)
}
afterEach(cleanUp)

/** The job helper, each run started `delayMs` late: a slow kernel, so a test can act while links are being created. */
function slowRunner(delayMs: number): Runner {
  return { run: async (argv, o) => (await new Promise((res) => setTimeout(res, delayMs)), jobRunner.run(argv, o)) }
}

async function rig(yaml: string, opts: { kernelDelayMs?: number } = {}): Promise<Rig> {
  const file = join(dir, `net-${rigs.length}-${Date.now()}.yaml`)
  writeFileSync(file, yaml)
  const { config } = await loadNetworkConfig({ networkFiles: [file], env: {}, probe: () => false })
  const processes: FakeContainer[] = []
  const [net, host] = await Promise.all([startContainer('h4-net'), startContainer('h4-host')])
  processes.push(net, host)
  const ctx: NetContext = { conlinkPid: net.pid, hostPid: host.pid, bridges: config.bridges, capabilities: await capabilities(), runner: opts.kernelDelayMs ? slowRunner(opts.kernelDelayMs) : undefined }
  await createBridges(ctx, Object.values(config.bridges))
  const client = new FakeEngineClient()
  const engine = new NetworkEngine({ config, ctx, scope: { project: PROJECT }, concurrency: 4 })
  const byName = new Map<string, FakeContainer & ContainerInfo>()
  rigs.push(async () => {
    await engine.shutdown()
    await deleteBridges(ctx, Object.values(config.bridges))
    processes.forEach((p) => p.kill())
  })
  return {
    config, ctx, net, host, client, engine,
    async start(name, service, index = 1) {
      byName.get(name)?.kill()
      const p = await startContainer(name)
      processes.push(p)
      const c = Object.assign(p, service ? { project: PROJECT, service, index } : { index: 1 })
      byName.set(name, c)
      client.running.set(c.id, { id: c.id, name: c.name, pid: c.pid, project: c.project, service: c.service, index: c.index })
      return c
    },
    kill(name) {
      const c = byName.get(name)!
      c.kill()
      client.running.delete(c.id)
      return c
    },
    async outerNames() {
      return (await ipJson(net, ['link', 'show'])).map((l: any) => l.ifname).sort()
    },
  }
}

const statusOf = (r: Rig, c: { id: string }) => r.engine.state.containers.get(c.id)?.status
const ifnames = async (c: { pid: number }) => (await ipJson(c, ['link', 'show'])).map((l: any) => l.ifname).sort()
async function eth(c: { pid: number }, dev = 'eth0'): Promise<{ address: string; ips: string[]; kind?: string }> {
  const [link] = await ipJson(c, ['-d', 'addr', 'show', 'dev', dev])
  return { address: link.address, ips: link.addr_info.filter((a: any) => a.family === 'inet').map((a: any) => `${a.local}/${a.prefixlen}`), kind: link.linkinfo?.info_kind }
}

const NODES = `bridges: [{bridge: h4s1, mode: linux}]
links:
  - {service: node, bridge: h4s1, ip: 10.0.1.1/24}
  - {container: h4box, bridge: h4s1, ip: 10.0.1.100/24, mac: "00:0a:0b:0c:0d:01"}
`

/** Wire what is running at start-up, as `conlink up` does after subscribing. */
async function startUp(r: Rig): Promise<void> {
  await r.engine.resync(r.client as unknown as EngineClient)
  r.engine.startupComplete()
}

describe('engine on namespaces', () => {
  test('start-up wires running replicas and containers; commands run once links exist; announced once', async () => {
    const r = await rig(`${NODES}commands:\n  - {service: node, command: [ip, -o, "-4", addr, show, dev, eth0]}\n`)
    const [n1, n2, box] = [await r.start('h4p_node_1', 'node', 1), await r.start('h4p_node_2', 'node', 2), await r.start('h4box')]
    await startUp(r)
    assert.deepEqual([statusOf(r, n1), statusOf(r, n2), statusOf(r, box)], ['connected', 'connected', 'connected'])
    // replica offsets and generated MACs, pinned (they must never change between versions)
    assert.deepEqual(await eth(n1), { address: 'c2:74:d4:23:2a:8b', ips: ['10.0.1.1/24'], kind: 'veth' })
    assert.deepEqual(await eth(n2), { address: 'c2:71:18:7d:17:87', ips: ['10.0.1.2/24'], kind: 'veth' })
    assert.deepEqual(await eth(box), { address: '00:0a:0b:0c:0d:01', ips: ['10.0.1.100/24'], kind: 'veth' })
    assert.deepEqual(await r.outerNames(), ['h4box-eth0', 'h4s1', 'lo', 'node_1-eth0', 'node_2-eth0'])
    const [outer] = await ipJson(r.net, ['link', 'show', 'dev', 'node_2-eth0'])
    assert.equal(outer.master, 'h4s1')
    assert.ok(await ping(n1, '10.0.1.2'))
    assert.ok(await ping(box, '10.0.1.1'))
    assert.equal(announcements(), 1)
    // commands: once per node replica (not the box), after its links existed
    await until('both commands', () => r.client.execs.length === 2)
    assert.deepEqual(r.client.execs.map((e) => e.name).sort(), ['h4p_node_1', 'h4p_node_2'])
    await until('command output', () => lines('info', /^h4p_node_2: .*inet 10\.0\.1\.2\/24/).length === 1)
    assert.equal(lines('info', /^h4p_node_1: .*inet 10\.0\.1\.1\/24/).length, 1, 'the command saw eth0 with its address')
    assert.equal(lines('info', /^Running command in h4p_node_1: \["ip","-o","-4","addr","show","dev","eth0"\]$/).length, 1)
    assert.deepEqual(lines('error', /./), [])
  })

  test('All links connected waits for every configured link, and is said once only', async () => {
    const r = await rig(NODES)
    await r.start('h4p_node_1', 'node', 1)
    await startUp(r)
    assert.equal(announcements(), 0, 'h4box:eth0 has no instance yet')
    const box = await r.start('h4box')
    await r.engine.containerStarted(r.client as unknown as EngineClient, box.id)
    assert.equal(announcements(), 1)
    r.kill('h4box')
    await r.engine.containerDied(box.id)
    const again = await r.start('h4box')
    await r.engine.containerStarted(r.client as unknown as EngineClient, again.id)
    assert.equal(statusOf(r, again), 'connected')
    assert.equal(announcements(), 1, 'not said again after a restart')
  })

  test('die removes the links; a restart with a new pid wires again; a repeated start is a no-op', async () => {
    const r = await rig(NODES)
    const watch = new EngineWatch(r.engine, r.client as unknown as EngineClient)
    await watch.start()
    try {
      const [n1, n2] = [await r.start('h4p_node_1', 'node', 1), await r.start('h4p_node_2', 'node', 2)]
      await r.start('h4box')
      await startUp(r)
      assert.equal(statusOf(r, n2), 'connected')
      r.kill('h4p_node_2')
      r.client.emit('die', n2.id)
      await until('node_2 unwired', async () => statusOf(r, n2) === undefined && !(await r.outerNames()).includes('node_2-eth0'))
      assert.equal(lines('info', /^Removing links of h4p_node_2$/).length, 1)
      // whether the engine notices the dead process before or while deleting is a race: at most the one 'is gone' note, no failed deletes
      const gone = `container h4p_node_2 (pid ${n2.pid}) is gone: its interfaces went with it`
      assert.deepEqual(lines('warn', /./).filter((l) => l !== gone), [], 'no failed deletes')

      const restarted = await r.start('h4p_node_2', 'node', 2)
      assert.notEqual(restarted.pid, n2.pid)
      r.client.emit('start', restarted.id)
      await until('node_2 rewired', () => r.engine.state.containers.get(restarted.id)?.info.pid === restarted.pid && statusOf(r, restarted) === 'connected')
      assert.deepEqual(await eth(restarted), { address: 'c2:71:18:7d:17:87', ips: ['10.0.1.2/24'], kind: 'veth' }, 'same MAC after a restart')
      assert.ok(await ping(n1, '10.0.1.2'))

      const creating = () => lines('info', /^Creating veth link h4p_node_2:eth0/).length
      const before = creating()
      await r.engine.containerStarted(r.client as unknown as EngineClient, restarted.id)
      assert.equal(creating(), before, 'a start of a container already wired with that pid changes nothing')
      assert.equal(announcements(), 1)
      assert.deepEqual(lines('error', /./), [])
    } finally {
      watch.stop()
    }
  })

  test('a container that dies before its wiring finishes leaves nothing behind', async () => {
    // a slow kernel: the container dies while its links are being created
    const r = await rig(NODES, { kernelDelayMs: 300 })
    await r.start('h4box')
    await startUp(r)
    const n1 = await r.start('h4p_node_1', 'node', 1)
    const wiring = r.engine.containerStarted(r.client as unknown as EngineClient, n1.id)
    await until('node_1 pending', () => statusOf(r, n1) === 'pending')
    r.kill('h4p_node_1')
    const dying = r.engine.containerDied(n1.id)
    await Promise.all([wiring, dying])
    assert.equal(statusOf(r, n1), undefined)
    assert.equal(lines('warn', /^container h4p_node_1 \(pid \d+\) died while its links were being created/).length, 1)
    assert.deepEqual(lines('error', /./), [], 'a death is not an error')
    assert.deepEqual(await r.outerNames(), ['h4box-eth0', 'h4s1', 'lo'], 'no outer end left')
  })

  test('after a lost event stream the engine resyncs: what started meanwhile is wired, what died is unwired', async () => {
    const r = await rig(NODES)
    const watch = new EngineWatch(r.engine, r.client as unknown as EngineClient)
    await watch.start()
    try {
      const n1 = await r.start('h4p_node_1', 'node', 1)
      await r.start('h4box')
      await startUp(r)
      // the engine goes away: the stream breaks and the first reconnects fail
      r.client.unreachable = true
      r.client.cut(new Error('socket hang up'))
      assert.equal(lines('warn', /^docker event stream lost \(socket hang up\): reconnecting$/).length, 1)
      // meanwhile, with no events: node_1 dies, node_2 starts
      r.kill('h4p_node_1')
      const n2 = await r.start('h4p_node_2', 'node', 2)
      await new Promise((res) => setTimeout(res, 500))
      assert.equal(statusOf(r, n2), undefined, 'nothing happens while the engine is unreachable')
      r.client.unreachable = false
      await until('resynchronised', () => lines('info', /^docker event stream reconnected: resynchronised with 2 running containers$/).length === 1)
      await until('node_2 wired, node_1 unwired', () => statusOf(r, n2) === 'connected' && statusOf(r, n1) === undefined)
      assert.deepEqual(await r.outerNames(), ['h4box-eth0', 'h4s1', 'lo', 'node_2-eth0'])
      assert.ok(r.client.subscribed, 'subscribed again')
      // events flow again on the new stream
      r.kill('h4p_node_2')
      r.client.emit('die', n2.id)
      await until('node_2 unwired by an event', () => statusOf(r, n2) === undefined)
      assert.deepEqual(lines('error', /./), [])
    } finally {
      watch.stop()
    }
  })

  test('shutdown waits for queued work, then removes every link it made', async () => {
    const r = await rig(NODES, { kernelDelayMs: 100 })
    const box = await r.start('h4box')
    await startUp(r)
    const [n1, n2] = [await r.start('h4p_node_1', 'node', 1), await r.start('h4p_node_2', 'node', 2)]
    const queued = [n1, n2].map((c) => r.engine.containerStarted(r.client as unknown as EngineClient, c.id))
    await until('node_1 pending', () => statusOf(r, n1) === 'pending')
    await r.engine.shutdown()
    await Promise.all(queued)
    assert.equal(r.engine.state.containers.size, 0)
    assert.deepEqual(await r.outerNames(), ['h4s1', 'lo'], 'only the bridge (deleted by up.ts after shutdown) is left')
    for (const c of [box, n1, n2]) assert.deepEqual(await ifnames(c), ['lo'], `${c.name} keeps only lo`)
    assert.equal(lines('info', /^Removing links of h4box$/).length, 1)
    // after shutdown nothing more is wired
    await r.engine.containerStarted(r.client as unknown as EngineClient, n1.id)
    assert.deepEqual(await ifnames(n1), ['lo'])
  })
})

describe('host-based links through the real config path', () => {
  const HOST = (type: string, extra: string) => `links:\n  - {service: mv, type: ${type}, dev: m0, outer-dev: h4par, ip: 10.0.4.1/24${extra}}\n`
  async function withParent(r: Rig): Promise<void> {
    await inside(r.host, ['ip', 'link', 'add', 'name', 'h4par', 'mtu', '1400', 'up', 'type', 'veth', 'peer', 'name', 'h4par-p'])
    await inside(r.host, ['ip', 'link', 'set', 'dev', 'h4par-p', 'up'])
  }

  test('macvlan with an explicit outer-dev: replica 2 gets its offset address and generated MAC', async (t) => {
    const caps = await capabilities()
    if (!caps.macvlan) return t.skip('kernel lacks macvlan')
    const r = await rig(HOST('macvlan', ', mode: bridge'))
    await withParent(r)
    const [m1, m2] = [await r.start('h4p_mv_1', 'mv', 1), await r.start('h4p_mv_2', 'mv', 2)]
    await startUp(r)
    assert.deepEqual([statusOf(r, m1), statusOf(r, m2)], ['connected', 'connected'], lines('error', /./).join('\n'))
    assert.deepEqual(await eth(m2, 'm0'), { address: 'c2:41:77:c3:fe:dc', ips: ['10.0.4.2/24'], kind: 'macvlan' })
    const [m0] = await ipJson(m2, ['-d', 'link', 'show', 'dev', 'm0'])
    assert.equal(m0.mtu, 1400, "the parent's MTU")
    assert.equal(m0.linkinfo.info_data.mode, 'bridge')
    assert.ok(await ping(m1, '10.0.4.2'))
    assert.equal(announcements(), 1)
  })

  test('vlan with an explicit outer-dev (live where the kernel has 8021q)', async (t) => {
    const caps = await capabilities()
    const r = await rig(HOST('vlan', ', vlanid: 5'))
    await withParent(r)
    const v2 = await r.start('h4p_mv_2', 'mv', 2)
    await startUp(r)
    if (!caps.vlan) {
      assert.equal(statusOf(r, v2), 'failed')
      const errors = lines('error', /./)
      assert.equal(errors.length, 1, errors.join('\n'))
      assert.match(errors[0], /^h4p_mv_2: \S+\.yaml: links\[0\]: vlan link h4p_mv_2:m0 needs kernel feature 'vlan', which this kernel lacks \(load the 8021q module on the host\)$/)
      assert.equal(announcements(), 0)
      await cleanUp()
      return t.skip('kernel lacks vlan (8021q): checked the clear error only')
    }
    assert.equal(statusOf(r, v2), 'connected')
    const [m0] = await ipJson(v2, ['-d', 'addr', 'show', 'dev', 'm0'])
    assert.equal(m0.linkinfo.info_kind, 'vlan')
    assert.equal(m0.linkinfo.info_data.id, 5)
    assert.ok(m0.addr_info.some((a: any) => a.local === '10.0.4.2'))
  })
})

// Test helpers: a "container" is a `sleep infinity` in a fresh network namespace.
import { spawn } from 'node:child_process'
import { after } from 'node:test'
import { existsSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ContainerInfo, LinkInstance, LinkSpec } from '../../src/config/types.js'
import { run } from '../../src/exec.js'
import { log } from '../../src/log.js'
import { probeCapabilities, type Capabilities } from '../../src/net/index.js'

export interface FakeContainer extends ContainerInfo {
  kill(): void
}

const ownNs = readlinkSync('/proc/self/ns/net')

/** Start `sleep infinity` in a new network namespace; resolves once it is in it, throws if it never gets there. */
export async function startContainer(name: string, timeoutMs = 10_000): Promise<FakeContainer> {
  const child = spawn('unshare', ['--net', 'sleep', 'infinity'], { detached: true, stdio: 'ignore' })
  child.unref()
  const pid = child.pid!
  const deadline = Date.now() + timeoutMs
  // Until unshare has made its namespace, /proc/PID/ns/net is ours: commands
  // run there would change the test runner's own namespace.
  for (;;) {
    let ns: string | undefined
    try {
      ns = readlinkSync(`/proc/${pid}/ns/net`)
    } catch {
      /* not started yet, or already dead */
    }
    if (ns !== undefined && ns !== ownNs) break
    if (child.exitCode !== null || Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        /* gone */
      }
      throw new Error(`fake container ${name}: unshare --net (pid ${pid}) ${child.exitCode !== null ? `exited with ${child.exitCode}` : `was not in a new network namespace after ${timeoutMs} ms`}`)
    }
    await new Promise((r) => setTimeout(r, 2))
  }
  await run(['nsenter', `--net=/proc/${pid}/ns/net`, 'ip', 'link', 'set', 'dev', 'lo', 'up'])
  return {
    id: `${name}-id`, name, pid, index: 1,
    kill: () => {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        /* already gone */
      }
    },
  }
}

/** Run argv inside a container's namespace. */
/** The namespace file of a fake container, after killing it and waiting (up to a second) until the file is gone. */
export async function goneNamespace(c: FakeContainer): Promise<string> {
  const netns = `/proc/${c.pid}/ns/net`
  c.kill()
  for (let i = 0; i < 200 && existsSync(netns); i++) await new Promise((r) => setTimeout(r, 5))
  return netns
}

export function inside(c: { pid: number }, argv: string[], allowFailure = false) {
  return run(['nsenter', `--net=/proc/${c.pid}/ns/net`, ...argv], { allowFailure, timeoutMs: 10000 })
}

export async function ipJson<T = any>(c: { pid: number }, args: string[]): Promise<T[]> {
  return JSON.parse((await inside(c, ['ip', '-j', ...args])).stdout || '[]')
}

export function linkSpec(over: Partial<LinkSpec> = {}): LinkSpec {
  return {
    type: 'veth', dev: 'eth0', route: [], netem: [], forward: [], ethtool: [], base: 'conlink',
    origin: { file: 'test.yaml', path: 'links[0]' }, ...over,
  }
}

export function instance(container: ContainerInfo, link: Partial<LinkSpec>, over: Partial<LinkInstance> = {}): LinkInstance {
  const spec = linkSpec(link)
  return {
    link: spec, container, dev: spec.dev, outerEnd: spec['outer-dev'], ip: spec.ip, mac: spec.mac, mtu: spec.mtu, forward: spec.forward, ...over,
  }
}

let caps: Promise<Capabilities> | undefined
export const capabilities = (): Promise<Capabilities> => (caps ??= probeCapabilities())

/** A ping that must succeed (3 tries, short timeout). */
export async function ping(from: { pid: number }, addr: string): Promise<boolean> {
  const r = await inside(from, ['busybox', 'ping', '-c', '1', '-W', '2', addr], true)
  if (r.exitCode === 0) return true
  return (await inside(from, ['busybox', 'ping', '-c', '2', '-W', '2', addr], true)).exitCode === 0
}

/** Snapshot of a namespace's ip links, qdiscs, filters and iptables rules. */
export async function snapshot(c: { pid: number }): Promise<string> {
  const parts = await Promise.all([
    inside(c, ['tc', 'qdisc', 'show']),
    // rules only: an emptied table still lists its chains
    inside(c, ['iptables-save'], true).then((r) => ({ stdout: r.stdout.split('\n').filter((l) => l.startsWith('-A')).join('\n') })),
    inside(c, ['ip', 'route', 'show']),
  ])
  // names and masters only: a bridge's carrier and MAC follow its ports
  const all = await ipJson<{ ifname: string; master?: string }>(c, ['link', 'show'])
  const links = all.map((l) => l.ifname)
  const filters = await Promise.all(links.map((l) => inside(c, ['tc', 'filter', 'show', 'dev', l, 'ingress'], true)))
  return [all.map((l) => `${l.ifname} ${l.master ?? ''}`).join('\n'), ...parts.map((p) => p.stdout.replace(/^#.*$/gm, '').replace(/\[\d+:\d+\]/g, '')), ...filters.map((f) => f.stdout)].join('\n')
}

/** Collect the log's info and warning lines while `fn` runs (they still print). */
export async function withLogCapture<T>(fn: () => Promise<T>): Promise<{ result: T; info: string[]; warnings: string[] }> {
  const info: string[] = []
  const warnings: string[] = []
  const { info: origInfo, warn: origWarn } = log
  log.info = (m) => (info.push(m), origInfo(m))
  log.warn = (m) => (warnings.push(m), origWarn(m))
  try {
    return { result: await fn(), info, warnings }
  } finally {
    log.info = origInfo
    log.warn = origWarn
  }
}

/** `startContainer` for one test file: every container it starts is killed after the file's tests. */
export function containerStarter(): (name: string) => Promise<FakeContainer> {
  const started: FakeContainer[] = []
  after(() => started.forEach((c) => c.kill()))
  return async (name) => {
    const c = await startContainer(name)
    started.push(c)
    return c
  }
}

/** busybox httpd serving `body` inside container `c` on `listen` ([addr:]port); returns its stop. */
export function httpd(c: FakeContainer, body: string, listen: string): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'ns-www-'))
  writeFileSync(join(dir, 'index.html'), body)
  const p = spawn('nsenter', [`--net=/proc/${c.pid}/ns/net`, 'busybox', 'httpd', '-f', '-p', listen, '-h', dir], { stdio: 'ignore' })
  return () => {
    p.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
}

/** GET `url` from inside `c` (IPv6 literals allowed), retried for about 2 s while the server starts; '' if it never answers. */
export async function fetchFrom(c: FakeContainer, url: string): Promise<string> {
  for (let i = 0; i < 20; i++) {
    const r = await inside(c, ['curl', '-g', '-s', '--max-time', '2', url], true)
    if (r.exitCode === 0) return r.stdout
    await new Promise((res) => setTimeout(res, 100))
  }
  return ''
}

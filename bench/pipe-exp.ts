// experiment: creates and configures in batches of 64, serial (one helper) or pipelined (two helpers)
import { execFileSync, spawn } from 'node:child_process'
import type { Job } from '../src/exec.js'
import { limiter } from '../src/net/executor.js'
import { JobRunner } from '../src/net/spawner.js'

const mode = process.argv[2] ?? 'serial'
const n = Number(process.argv[3] ?? 200)
const A = new JobRunner()
const B = mode === 'serial' ? A : new JobRunner()
const nsOf = (pid: number) => `/proc/${pid}/ns/net`
const inNs = (pid: number, ...argv: string[]) => execFileSync('nsenter', [`--net=${nsOf(pid)}`, ...argv], { stdio: 'inherit' })
const namespaces = Array.from({ length: n + 1 }, () => spawn('unshare', ['--net', 'sleep', 'infinity'], { stdio: 'ignore' }))
try {
  await new Promise((r) => setTimeout(r, 500))
  const [net, ...containers] = namespaces.map((p) => p.pid!)
  for (const pid of [net, ...containers]) inNs(pid, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1')
  inNs(net, 'ip', 'link', 'add', 'cf-br', 'up', 'type', 'bridge', 'mcast_snooping', '0')
  await A.run(['true']); await B.run(['true'])
  const limit = limiter(8)
  const ipJob = (i: number): Job => ({ argv: ['ip', '-force', '-batch', '-'], input: `addr add 10.1.${(i + 1) >> 8}.${(i + 1) & 255}/16 dev eth0\nlink set dev eth0 up\n` })
  const offload: Job = { argv: ['ethtool', '--offload', 'eth0', 'tx', 'off'] }
  const t0 = performance.now()
  const create = (i: number) => A.run(['ip', '-force', '-batch', '-'], { netns: nsOf(net), input: containers.slice(i, i + 64).map((pid, j) => `link add name cf${i + j} master cf-br up type veth peer name eth0 netns ${pid}\n`).join('') })
  const configure = (i: number) => Promise.all(containers.slice(i, i + 64).map((pid, j) => limit(() => B.runTogether([offload, ipJob(i + j)], { netns: nsOf(pid) }))))
  let pending: Promise<unknown> = Promise.resolve()
  for (let i = 0; i < n; i += 64) {
    const r = await create(i)
    if (r.exitCode) throw new Error(r.stderr)
    if (mode === 'serial') await configure(i)
    else { const prev = pending; pending = prev.then(() => configure(i)) }
  }
  await pending
  console.log(`${mode} n=${n} ms_a_container=${((performance.now() - t0) / n).toFixed(3)}`)
} finally {
  for (const p of namespaces) p.kill()
}
process.exit(0)

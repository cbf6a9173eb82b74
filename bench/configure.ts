// The job helper's configure step on its own: N namespaces (IPv6 off, as in
// Docker's containers) each with a veth into one bridge, made 64 at a time
// as conlink makes them; then per namespace the address and up (`ip` batch)
// and the offload, 8 at a time: `alone` as two jobs, `together` as one job
// of the helper (Runner.runTogether), `ip` or `ethtool` only one of them.
// Prints wall time and the CPU time of node and of the helper, a container.
// Usage: node --import tsx bench/configure.ts alone|together|ip|ethtool [N]   (root;
// CONFIGURE_QUEUES=kernel makes the veths with the kernel's queue count)
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import type { Job } from '../src/exec.js'
import { limiter } from '../src/net/executor.js'
import { JobRunner } from '../src/net/spawner.js'

const mode = process.argv[2] ?? 'together'
const n = Number(process.argv[3] ?? 200)
const runner = new JobRunner()
const nsOf = (pid: number) => `/proc/${pid}/ns/net`
const inNs = (pid: number, ...argv: string[]) => execFileSync('nsenter', [`--net=${nsOf(pid)}`, ...argv], { stdio: 'inherit' })

/** CPU ms of a process (utime + stime, in 10 ms ticks). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

const namespaces = Array.from({ length: n + 1 }, () => spawn('unshare', ['--net', 'sleep', 'infinity'], { stdio: 'ignore' }))
try {
  await new Promise((r) => setTimeout(r, 500))
  const [net, ...containers] = namespaces.map((p) => p.pid!)
  for (const pid of [net, ...containers]) inNs(pid, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1')
  inNs(net, 'ip', 'link', 'add', 'cf-br', 'up', 'type', 'bridge', 'mcast_snooping', '0')
  // one queue each end, as conlink makes its veths (CONFIGURE_QUEUES=kernel: the kernel's count)
  const queues = process.env.CONFIGURE_QUEUES === 'kernel' ? '' : 'numtxqueues 1 numrxqueues 1 '
  const t0 = performance.now()
  for (let i = 0; i < n; i += 64) {
    const lines = containers.slice(i, i + 64).map((pid, j) => `link add name cf${i + j} master cf-br ${queues}up type veth peer name eth0 ${queues}netns ${pid}\n`)
    await runner.run(['ip', '-force', '-batch', '-'], { netns: nsOf(net), input: lines.join('') })
  }
  const t1 = performance.now()
  const helperPid = Number(execFileSync('pgrep', ['-P', String(process.pid), 'perl'], { encoding: 'utf8' }).trim())
  const [helper0, node0] = [cpuMs(helperPid), process.cpuUsage()]
  const limit = limiter(8)
  const ipJob = (i: number): Job => ({ argv: ['ip', '-force', '-batch', '-'], input: `addr add 10.1.${(i + 1) >> 8}.${(i + 1) & 255}/16 dev eth0\nlink set dev eth0 up\n` })
  const offload: Job = { argv: ['ethtool', '--offload', 'eth0', 'tx', 'off'] }
  const jobsOf = (i: number): Job[] => (mode === 'ip' ? [ipJob(i)] : mode === 'ethtool' ? [offload] : [ipJob(i), offload])
  await Promise.all(
    containers.map((pid, i) => {
      const opts = { netns: nsOf(pid) }
      if (mode === 'together') return limit(() => runner.runTogether(jobsOf(i), opts))
      return Promise.all(jobsOf(i).map((job) => limit(() => runner.run(job.argv, { ...opts, input: job.input }))))
    }),
  )
  const t2 = performance.now()
  const node = process.cpuUsage(node0)
  const perContainer = (ms: number) => (ms / n).toFixed(3)
  console.log(
    `configure_${mode} n=${n} create_ms_a_link=${perContainer(t1 - t0)} configure_ms_a_container=${perContainer(t2 - t1)}` +
      ` helper_cpu_ms=${perContainer(cpuMs(helperPid) - helper0)} node_cpu_ms=${perContainer((node.user + node.system) / 1000)}`,
  )
} finally {
  for (const p of namespaces) p.kill()
}
process.exit(0)

// scratch: the helper's configure cost per container (not committed)
import { spawn, execFileSync } from 'node:child_process'
import { limiter } from '../src/net/executor.js'
import { jobRunner } from '../src/net/spawner.js'
const n = Number(process.argv[3] ?? 200)
const mode = process.argv[2] ?? 'both'
const sh = (...a: string[]) => execFileSync(a[0], a.slice(1), { stdio: 'inherit' })
const procs = Array.from({ length: n }, () => spawn('unshare', ['--net', 'sleep', 'infinity'], { stdio: 'ignore' }))
const net = spawn('unshare', ['--net', 'sleep', 'infinity'], { stdio: 'ignore' })
await new Promise((r) => setTimeout(r, 500))
const nsOf = (pid: number) => `/proc/${pid}/ns/net`
for (const p of [net, ...procs]) sh('nsenter', `--net=${nsOf(p.pid!)}`, 'sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1')
sh('nsenter', `--net=${nsOf(net.pid!)}`, 'ip', 'link', 'add', 'hb-br', 'type', 'bridge', 'mcast_snooping', '0')
sh('nsenter', `--net=${nsOf(net.pid!)}`, 'ip', 'link', 'set', 'hb-br', 'up')
const t0 = performance.now()
for (let i = 0; i < n; i += 64) {
  const lines = procs.slice(i, i + 64).map((p, j) => `link add name hb${i + j} master hb-br up type veth peer name eth0 netns ${p.pid}`).join('\n') + '\n'
  const r = await jobRunner.run(['ip', '-force', '-batch', '-'], { netns: nsOf(net.pid!), input: lines, allowFailure: true })
  if (r.exitCode) throw new Error(r.stderr)
}
const t1 = performance.now()
const helperPid = () => (jobRunner as any).spawner.child.pid as number
import { readFileSync } from 'node:fs'
const helperCpu = () => { const f = readFileSync(`/proc/${helperPid()}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10 }
const h1 = helperCpu(); const c1 = process.cpuUsage()
const limit = limiter(Number(process.env.HB_LIMIT ?? 8))
await Promise.all(procs.map((p, i) => {
  const netns = nsOf(p.pid!)
  const jobs: Promise<unknown>[] = []
  if (mode === 'together') return limit(() => jobRunner.runTogether([{ argv: ['ip', '-force', '-batch', '-'], input: `addr add 10.1.${i >> 8}.${(i & 255) + 1}/16 dev eth0\nlink set dev eth0 up\n` }, { argv: ['ethtool', '--offload', 'eth0', 'tx', 'off'] }], { netns }))
  if (mode === 'ip' || mode === 'both') jobs.push(limit(() => jobRunner.run(['ip', '-force', '-batch', '-'], { netns, input: `addr add 10.1.${i >> 8}.${(i & 255) + 1}/16 dev eth0\nlink set dev eth0 up\n` })))
  if (mode === 'ethtool' || mode === 'both') jobs.push(limit(() => jobRunner.run(['ethtool', '--offload', 'eth0', 'tx', 'off'], { netns })))
  return Promise.all(jobs)
}))
const t2 = performance.now()
const h2 = helperCpu(); const c2 = process.cpuUsage(c1)
console.log(`${mode} n=${n} create_ms_per_link=${((t1 - t0) / n).toFixed(3)} configure_ms_per_container=${((t2 - t1) / n).toFixed(3)} helper_cpu_ms=${((h2 - h1) / n).toFixed(3)} node_cpu_ms=${((c2.user + c2.system) / 1000 / n).toFixed(3)}`)
for (const p of [...procs, net]) p.kill()
await new Promise((r) => setTimeout(r, 300))
process.exit(0)

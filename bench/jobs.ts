// Microbenchmark of the job helper: N short `ip link show` runs inside a
// network namespace, 8 at a time, with the namespace entered by the helper
// itself (setns) or by exec'ing nsenter; `batch`: N `ip -force -batch -`
// runs of `link set dev lo up`, which the helper does over netlink itself
// (CONLINK_HELPER_EXEC=1: through the ip program). Needs root.
// Usage: node --import tsx bench/jobs.ts setns|nsenter|batch [N]
import { spawn } from 'node:child_process'
import { nsenterArgv } from '../src/exec.js'
import { limiter } from '../src/net/executor.js'
import { jobRunner } from '../src/net/spawner.js'

const mode = ['nsenter', 'batch'].includes(process.argv[2]) ? process.argv[2] : 'setns'
const n = Number(process.argv[3] ?? 400)
const ns = spawn('unshare', ['--net', 'sleep', 'infinity'], { stdio: 'ignore' })
await new Promise((r) => setTimeout(r, 200))
const netns = `/proc/${ns.pid}/ns/net`
const argv = ['ip', 'link', 'show']
const once = () =>
  mode === 'setns' ? jobRunner.run(argv, { netns })
    : mode === 'batch' ? jobRunner.run(['ip', '-force', '-batch', '-'], { netns, input: 'link set dev lo up\n' })
      : jobRunner.run(nsenterArgv(netns, argv))
await once()
const limit = limiter(8)
const t0 = performance.now()
await Promise.all(Array.from({ length: n }, () => limit(once)))
const ms = performance.now() - t0
ns.kill()
console.log(`jobs_${mode} n=${n} wall_ms=${ms.toFixed(0)} per_job_ms=${(ms / n).toFixed(2)}`)

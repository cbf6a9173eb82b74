// `npm run bench`: conlink's performance figures against the real Docker
// engine (Compose v1, file version 2.4, `scale:`), one line per figure with
// median, min and max, and exit code 1 when a target is missed.
// BENCH_SMALL=1 (`npm run bench:small`): 10 and 20 replicas, one run each,
// targets shown but not enforced. Needs root, Docker, docker-compose and the
// images conlink:latest and conlink-test-node (`npm run bench` builds them).
//
// Scenarios:
// - wire_N_replicas_s: N replicas of `node` (one veth link each, bridge s1)
//   are running; the network container starts; seconds from its
//   State.StartedAt (inspect) to the timestamp of its "All links connected"
//   line in `docker logs --timestamps` (both from the engine's clock).
// - per_link_ms: (wire time of the largest N - wire time of the one before) / difference in links, per run.
// - rss_N_links_mb: VmRSS of the conlink node process right after "All links connected".
// - live_scale_ms / live_scale_observed_ms: see live.ts.
// - config_500_links_s: the whole `conlink config` process on a 500-link network file.
// - mdc_resolve_70_modes_ms: mdc's mode resolver on 70 modes with 180 alternatives (resolve.ts).
import { loadavg } from 'node:os'
import { measureConfig } from './config.js'
import { measureLiveScaling } from './live.js'
import { measureResolve } from './resolve.js'
import { BenchProject, memoryMb } from './project.js'
import { figureLine, meetsTargets, type Figure } from './stats.js'

const SMALL = process.env.BENCH_SMALL === '1'
const RUNS = Number(process.env.BENCH_RUNS ?? (SMALL ? 1 : 5))
// BENCH_SIZES=20,200: only these replica counts (for quick before/after comparisons)
const SIZES = process.env.BENCH_SIZES ? process.env.BENCH_SIZES.split(',').map(Number) : SMALL ? [10, 20] : [20, 100, 200, 400]
const LIVE_AT = Number(process.env.BENCH_LIVE_AT ?? (SMALL ? 20 : 100))
const LIVE_SAMPLES = Number(process.env.BENCH_LIVE_SAMPLES ?? (SMALL ? 3 : 20))
const RSS_AT = SMALL ? 20 : 200
const MAX_LOAD = Number(process.env.BENCH_MAX_LOAD ?? 1.5)
const LOAD_WAIT_S = Number(process.env.BENCH_LOAD_WAIT_S ?? (SMALL ? 0 : 180))
const WIRE_TARGETS: Record<number, number> = { 20: 0.4, 200: 1.5 }

const say = (msg: string) => console.error(`# ${msg}`)
const load = () => loadavg()[0].toFixed(2)

/** Wait (bounded) until the 1-minute load average is below MAX_LOAD: other jobs on the machine skew timings. */
async function quietMachine(): Promise<void> {
  const deadline = Date.now() + LOAD_WAIT_S * 1000
  while (loadavg()[0] > MAX_LOAD && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5000))
  say(`load average ${load()}${loadavg()[0] > MAX_LOAD ? ` (above ${MAX_LOAD}: figures may be skewed)` : ''}`)
}

async function main(): Promise<number> {
  const p = new BenchProject(SMALL ? 'h10bsmall' : 'h10bench')
  const figures: Figure[] = []
  const wire = new Map<number, number[]>()
  const loads: string[] = []
  const report = (f: Figure) => {
    figures.push(f)
    console.log(figureLine(f, !SMALL))
  }
  const stopping = () => void p.dispose().then(() => process.exit(130))
  process.once('SIGINT', stopping)
  process.once('SIGTERM', stopping)
  try {
    await p.down()
    for (const n of SIZES) {
      say(`scaling node to ${n} replicas`)
      await p.scale('node', n)
      const pids = [...(await p.running('node')).values()]
      await quietMachine()
      loads.push(`${n}:${load()}`)
      const times: number[] = []
      const rss: number[] = []
      for (let run = 1; run <= RUNS; run++) {
        const r = await p.startNetwork()
        times.push((r.connectedAt - r.startedAt) / 1000)
        if (n === RSS_AT) rss.push(memoryMb(r.pid).rss)
        say(`${n} replicas, run ${run}: ${((r.connectedAt - r.startedAt) / 1000).toFixed(3)} s, load ${load()}`)
        if (n === LIVE_AT && run === RUNS) {
          const live = await measureLiveScaling(p, r.id, n, LIVE_SAMPLES)
          const note = `n=${LIVE_SAMPLES} with ${n} wired${live.early ? `, ${live.early} already up at first poll` : ''}`
          report({ name: 'live_scale_ms', values: live.conlink, targets: [{ stat: 'median', max: 20 }, { stat: 'p95', max: 60 }], withP95: true, note: `conlink's own timestamps, ${note}` })
          report({ name: 'live_scale_observed_ms', values: live.observed, targets: [], withP95: true, note: `polling /proc/PID/net/route every 1 ms, ${note}` })
        }
        await p.removeNetwork(r.id, [pids[0], pids[pids.length - 1]])
      }
      wire.set(n, times)
      const target = WIRE_TARGETS[n]
      report({ name: `wire_${n}_replicas_s`, values: times, targets: target ? [{ stat: 'median', max: target }] : [], note: `load ${load()}` })
      if (rss.length) report({ name: `rss_${n}_links_mb`, values: rss, targets: [{ stat: 'median', max: 120 }] })
    }
    const [a, b] = SIZES.slice(-2)
    const perLink = wire.get(b)!.map((t, i) => ((t - wire.get(a)![i]) * 1000) / (b - a))
    report({ name: 'per_link_ms', values: perLink, targets: [{ stat: 'median', max: 3 }], note: `(t${b} - t${a}) / ${b - a}` })
    await p.down()
    await quietMachine()
    report({ name: 'config_500_links_s', values: await measureConfig(RUNS), targets: [{ stat: 'median', max: 0.5 }] })
    report({ name: 'mdc_resolve_70_modes_ms', values: measureResolve(Math.max(RUNS, 5)), targets: [{ stat: 'median', max: 1000 }], note: '180 alternatives, one seed per run' })
  } finally {
    await p.dispose()
  }
  say(`load average per size: ${loads.join(' ')}; at end ${load()}`)
  const missed = figures.filter((f) => f.targets.length && !meetsTargets(f))
  if (missed.length && !SMALL) {
    say(`missed targets: ${missed.map((f) => f.name).join(', ')}`)
    return 1
  }
  return 0
}

process.exitCode = await main().catch((err) => {
  console.error(err)
  return 2
})

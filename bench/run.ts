// `npm run bench`: conlink's performance figures against the real Docker
// engine, one line per figure with median, min and max, its target and
// OK/MISSED; exit code 1 when a target is missed. The targets are issue 15's.
// BENCH_SMALL=1 (`npm run bench:small`): 10 and 20 replicas, one run each,
// targets shown but not enforced. Needs root, Docker, docker-compose and the
// images conlink:latest and conlink-test-node (`npm run bench` builds them).
//
// Method (issue 15): N replicas of `node` (one veth link each, bridge s1) are
// already running; the network container is created by compose and started through the Engine API.
// - wire_N_replicas_s: from its State.StartedAt (inspect, engine clock) to the
//   moment every replica's eth0 has its prefix route, read from
//   /proc/<pid>/net/route (watched from before the start; see RouteWatch).
// - per_link_ms: (wire time of 200 - wire time of 20) / 180, per run.
// - rss_N_links_mib: VmRSS of the conlink node process once every route is
//   there and "All links connected" was logged (200 and 1000 links).
// - teardown_200_links_s: SIGTERM to the network container with 200 links
//   (the last run at 200): from sending it to the process's exit
//   (State.FinishedAt); every replica must have lost eth0 by then.
// - live_start_ms / live_start_conlink_ms / live_start_event_lag_ms: with 50 replicas wired, one more
//   replica started with `docker start`, from its start event to its route (live.ts).
// - config_500_links_s: the whole `conlink config` process on a 500-link network file.
// - mdc_resolve_70_modes_ms: mdc's mode resolver on 70 modes with 180 alternatives (resolve.ts).
import { loadavg } from 'node:os'
import { mkdirSync, writeFileSync } from 'node:fs'
import { execa } from 'execa'
import { join } from 'node:path'
import { measureConfig } from './config.js'
import { cpuSample, load, machineSpeed, quietMachine, stealSince } from './machine.js'
import { measureLiveStarts } from './live.js'
import { measureResolve } from './resolve.js'
import { BenchProject, memoryMb } from './project.js'
import { figureLine, meetsTargets, type Figure, type Target } from './stats.js'

const SMALL = process.env.BENCH_SMALL === '1'
const RUNS = Number(process.env.BENCH_RUNS ?? (SMALL ? 1 : 5))
// BENCH_SIZES=20,200: only these replica counts (for quick before/after comparisons)
const SIZES = process.env.BENCH_SIZES ? process.env.BENCH_SIZES.split(',').map(Number) : SMALL ? [10, 20] : [20, 50, 200, 1000]
const LIVE_AT = Number(process.env.BENCH_LIVE_AT ?? (SMALL ? 20 : 50))
const LIVE_SAMPLES = Number(process.env.BENCH_LIVE_SAMPLES ?? (SMALL ? 3 : 20))
const RSS_AT = SMALL ? [20] : [200, 1000]
const TEARDOWN_AT = SMALL ? 20 : 200
const PER_LINK: [number, number] = SMALL ? [10, 20] : [20, 200]
const CONFIG = process.env.BENCH_CONFIG !== '0'
const PHASES = process.env.BENCH_PHASES === '1'
const LOG_DIR = process.env.BENCH_LOG_DIR
if (LOG_DIR) mkdirSync(LOG_DIR, { recursive: true })
/** `perf record -a -g` of the whole machine across the last wire run of each size, into this directory. */
const PERF_DIR = process.env.BENCH_PERF_DIR
const LOAD_WAIT_S = Number(process.env.BENCH_LOAD_WAIT_S ?? (SMALL ? 0 : 180))

/** Issue 15's targets. */
const median = (max: number): Target[] => [{ stat: 'median', max }]
const WIRE_TARGETS: Record<number, Target[]> = { 20: median(0.35), 200: median(0.8), 1000: median(3) }
const RSS_TARGETS: Record<number, Target[]> = { 200: median(80), 1000: median(150) }
const PER_LINK_TARGET = median(1.5)
const TEARDOWN_TARGET = median(0.5)
const LIVE_TARGET: Target[] = [{ stat: 'median', max: 10 }, { stat: 'p95', max: 20 }]
const CONFIG_TARGET = median(0.2)

const say = (msg: string) => console.error(`# ${msg}`)

/** conlink's own `-v` start-up phase lines; with BENCH_LOG_DIR its whole log is kept there as FILE. */
async function startupPhases(p: BenchProject, id: string, file: string): Promise<string> {
  const { logs, at } = await p.phases(id)
  if (LOG_DIR) writeFileSync(join(LOG_DIR, file), logs)
  return [...at].map(([phase, ms]) => `${phase} ${ms}`).join(', ')
}

/** perf sampling every CPU (with call graphs) until stop(); a missing perf is said and skipped. */
async function startPerf(file: string): Promise<{ stop: () => Promise<void> } | undefined> {
  const perf = execa('perf', ['record', '-a', '-g', '-o', file], { reject: false, stdio: 'ignore' })
  await new Promise((resolve) => setTimeout(resolve, 300)) // perf's own start-up stays out of the run
  if (perf.exitCode !== null) return void say(`perf did not start (exit ${perf.exitCode}): no profile`)
  say(`perf records into ${file}`)
  return {
    stop: async () => {
      perf.kill('SIGINT')
      await perf
    },
  }
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
    say(await machineSpeed())
    await p.down()
    for (const n of SIZES) {
      say(`scaling node to ${n} replicas`)
      await p.scale(n)
      const pids = [...(await p.running('node')).values()]
      if (pids.length !== n) throw new Error(`${pids.length} replicas running, expected ${n}`)
      say(await quietMachine(LOAD_WAIT_S))
      const times: number[] = []
      const rss: number[] = []
      const runLoads: number[] = []
      const sizeCpu = cpuSample()
      for (let run = 1; run <= RUNS; run++) {
        const perf = PERF_DIR && run === RUNS ? await startPerf(join(PERF_DIR, `wire_${n}.perf.data`)) : undefined
        const r = await p.startNetwork(pids)
        await perf?.stop()
        const t = (r.routedAt - r.startedAt) / 1000
        times.push(t)
        runLoads.push(loadavg()[0])
        if (RSS_AT.includes(n)) rss.push(memoryMb(r.pid).rss)
        say(`${n} replicas, run ${run}: ${t.toFixed(3)} s, load ${load()}`)
        if (PHASES || LOG_DIR) say(`  start-up phases (ms since node started): ${await startupPhases(p, r.id, `wire_${n}_run${run}.log`)}`)
        if (n === LIVE_AT && run === RUNS) {
          const liveCpu = cpuSample()
          const live = await measureLiveStarts(p, r.id, n, LIVE_SAMPLES)
          const note = `n=${LIVE_SAMPLES} with ${n} wired, docker start${live.early ? `, ${live.early} already up at first poll` : ''}, load ${load()}, ${stealSince(liveCpu)}`
          if (LOG_DIR) writeFileSync(join(LOG_DIR, 'live.log'), await p.logs(r.id))
          report({ name: 'live_start_ms', values: live.observed, targets: LIVE_TARGET, withP95: true, note: `start event to eth0 route in /proc/PID/net/route, polled every 1 ms, ${note}` })
          if (live.conlink.length) report({ name: 'live_start_conlink_ms', values: live.conlink, targets: [], withP95: true, note: `start event to conlink's own "connected" timestamp, ${note}` })
          if (live.inspect.length) report({ name: 'live_start_inspect_ms', values: live.inspect, targets: [], withP95: true, note: `conlink's inspect of the started container, ${note}` })
          if (live.links.length) report({ name: 'live_start_links_ms', values: live.links, targets: [], withP95: true, note: `conlink making the container's links, ${note}` })
          if (live.eventLag.length) report({ name: 'live_start_event_lag_ms', values: live.eventLag, targets: [], withP95: true, note: `start event to conlink reading it from the engine's stream, ${note}` })
        }
        if (n === TEARDOWN_AT && run === RUNS) {
          const down = await p.stopNetwork(r.id, pids)
          report({ name: `teardown_${n}_links_s`, values: [down], targets: TEARDOWN_TARGET, note: `SIGTERM sent to process exit, load ${load()}` })
        } else await p.removeNetwork(r.id, [pids[0], pids[pids.length - 1]])
      }
      wire.set(n, times)
      const loadText = `load ${Math.min(...runLoads).toFixed(1)}-${Math.max(...runLoads).toFixed(1)}, ${stealSince(sizeCpu)}`
      loads.push(`${n}:${loadText}`)
      report({ name: `wire_${n}_replicas_s`, values: times, targets: WIRE_TARGETS[n] ?? [], note: `StartedAt to the last eth0 route, seen on its route event, ${loadText}` })
      if (rss.length) report({ name: `rss_${n}_links_mib`, values: rss, targets: RSS_TARGETS[n] ?? [], note: 'VmRSS of conlink once every route is there and "All links connected" was logged' })
    }
    const [a, b] = PER_LINK
    if (wire.has(a) && wire.has(b)) {
      const perLink = wire.get(b)!.map((t, i) => ((t - wire.get(a)![i]) * 1000) / (b - a))
      report({ name: 'per_link_ms', values: perLink, targets: PER_LINK_TARGET, note: `(t${b} - t${a}) / ${b - a}` })
    }
    await p.down()
    if (CONFIG) {
      say(await quietMachine(LOAD_WAIT_S))
      const configCpu = cpuSample()
      const configTimes = await measureConfig(RUNS)
      report({ name: 'config_500_links_s', values: configTimes, targets: CONFIG_TARGET, note: `whole process${process.env.NODE_EXTRA_CA_CERTS ? ', NODE_EXTRA_CA_CERTS unset' : ''}, load ${load()}, ${stealSince(configCpu)}` })
      report({ name: 'mdc_resolve_70_modes_ms', values: measureResolve(Math.max(RUNS, 5)), targets: median(1000), note: 'in this process, 180 alternatives, one seed per run' })
    }
  } finally {
    await p.dispose()
  }
  say(`load average per size: ${loads.join(' ')}; at end ${load()}`)
  say(await machineSpeed())
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

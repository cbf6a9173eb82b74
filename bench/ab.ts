// Two network images (or one image with other `conlink up` arguments) on the
// same replicas, runs interleaved (A B, B A, ...), so that a noisy machine
// skews both alike: the wire figure of each.
// Usage: BENCH_AB=conlink:other [BENCH_AB_ARGS='--concurrency 128'] [BENCH_AB_N=200] [BENCH_AB_ROUNDS=6] node --import tsx bench/ab.ts
// (A is BENCH_IMAGE, default conlink:latest, as `conlink up` runs it in the bench; B is BENCH_AB,
// default the same image, with BENCH_AB_ARGS added; root, a Docker engine, the bench images.)
// With BENCH_PHASES=1 (conlink runs with -v) each variant's wiring window is reported too: from
// "bridges created" to "running containers handled", without node's start-up.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { load, quietMachine } from './machine.js'
import { BenchProject, NETWORK_IMAGE, VERBOSE } from './project.js'
import { figureLine } from './stats.js'

const OTHER = process.env.BENCH_AB ?? NETWORK_IMAGE
const OTHER_ARGS = (process.env.BENCH_AB_ARGS ?? '').split(/\s+/).filter(Boolean)
const N = Number(process.env.BENCH_AB_N ?? 200)
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 6)
const LOAD_WAIT_S = Number(process.env.BENCH_LOAD_WAIT_S ?? 180)

/** The bench's compose file (JSON) with the network service's image and extra `conlink up` arguments. */
function withVariant(compose: string, { image, args }: { image: string; args: string[] }): string {
  const doc = JSON.parse(compose)
  const network = doc.services.network
  const command: string[] = network.command
  network.image = image
  const afterUp = command.indexOf('up') + 1
  network.command = [...command.slice(0, afterUp), ...args, ...command.slice(afterUp)]
  return JSON.stringify(doc, null, 2)
}

async function main(): Promise<void> {
  if (OTHER === NETWORK_IMAGE && !OTHER_ARGS.length) throw new Error(`set BENCH_AB to the image to compare with ${NETWORK_IMAGE}, or BENCH_AB_ARGS`)
  const variants = { A: { image: NETWORK_IMAGE, args: [] as string[] }, B: { image: OTHER, args: OTHER_ARGS } }
  const label = (v: 'A' | 'B') => [variants[v].image, ...variants[v].args].join(' ')
  const p = new BenchProject('h10bench')
  const file = join(p.dir, 'compose.yaml')
  const compose = readFileSync(file, 'utf8')
  const times = new Map<string, number[]>([[label('A'), []], [label('B'), []]])
  const windows = new Map<string, number[]>([[label('A'), []], [label('B'), []]])
  try {
    await p.down()
    await p.scale(N)
    const pids = [...(await p.running('node')).values()]
    console.error(`# ${await quietMachine(LOAD_WAIT_S)}`)
    for (let round = 0; round < ROUNDS; round++) {
      for (const v of round % 2 ? (['B', 'A'] as const) : (['A', 'B'] as const)) {
        writeFileSync(file, withVariant(compose, variants[v]))
        const r = await p.startNetwork(pids)
        times.get(label(v))!.push((r.routedAt - r.startedAt) / 1000)
        const at = VERBOSE ? (await p.phases(r.id)).at : new Map<string, number>()
        const window = (at.get('running containers handled') ?? NaN) - (at.get('bridges created') ?? NaN)
        if (!Number.isNaN(window)) windows.get(label(v))!.push(window / 1000)
        console.error(`# ${label(v)}: ${times.get(label(v))!.at(-1)!.toFixed(3)} s${Number.isNaN(window) ? '' : ` (wiring ${window} ms)`}, load ${load()}`)
        await p.removeNetwork(r.id, [pids[0], pids[pids.length - 1]])
      }
    }
    for (const [image, values] of times) console.log(figureLine({ name: `wire_${N}_replicas_s ${image}`, values, targets: [], note: `${ROUNDS} rounds interleaved` }, false))
    for (const [image, values] of windows) if (values.length) console.log(figureLine({ name: `wiring_window_${N}_s ${image}`, values, targets: [], note: 'bridges created to running containers handled' }, false))
  } finally {
    await p.dispose()
  }
}

await main()

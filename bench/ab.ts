// Two network images on the same replicas, runs interleaved (A B, B A, ...),
// so that a noisy machine skews both alike: the wire figure of each.
// Usage: BENCH_AB=conlink:other [BENCH_AB_N=200] [BENCH_AB_ROUNDS=6] node --import tsx bench/ab.ts
// (A is BENCH_IMAGE, default conlink:latest; root, a Docker engine, the bench images.)
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { load, quietMachine } from './machine.js'
import { BenchProject, NETWORK_IMAGE } from './project.js'
import { figureLine } from './stats.js'

const OTHER = process.env.BENCH_AB
const N = Number(process.env.BENCH_AB_N ?? 200)
const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 6)
const LOAD_WAIT_S = Number(process.env.BENCH_LOAD_WAIT_S ?? 180)

async function main(): Promise<void> {
  if (!OTHER) throw new Error('set BENCH_AB to the image to compare with ' + NETWORK_IMAGE)
  const p = new BenchProject('h10bench')
  const file = join(p.dir, 'compose.yaml')
  const compose = readFileSync(file, 'utf8')
  const times = new Map<string, number[]>([[NETWORK_IMAGE, []], [OTHER, []]])
  try {
    await p.down()
    await p.scale(N)
    const pids = [...(await p.running('node')).values()]
    console.error(`# ${await quietMachine(LOAD_WAIT_S)}`)
    for (let round = 0; round < ROUNDS; round++) {
      for (const image of round % 2 ? [OTHER, NETWORK_IMAGE] : [NETWORK_IMAGE, OTHER]) {
        writeFileSync(file, compose.replace(JSON.stringify(NETWORK_IMAGE), JSON.stringify(image)))
        const r = await p.startNetwork(pids)
        times.get(image)!.push((r.routedAt - r.startedAt) / 1000)
        console.error(`# ${image}: ${times.get(image)!.at(-1)!.toFixed(3)} s, load ${load()}`)
        await p.removeNetwork(r.id, [pids[0], pids[pids.length - 1]])
      }
    }
    for (const [image, values] of times) console.log(figureLine({ name: `wire_${N}_replicas_s ${image}`, values, targets: [], note: `${ROUNDS} rounds interleaved` }, false))
  } finally {
    await p.dispose()
  }
}

await main()

// Benchmark: 200 veth links (with IPs) from one network namespace into 100
// namespaces (2 links each) on one linux bridge, then remove them.
// Last line: ms_per_link=X (creation). Needs root.
import { addLinksForContainers, createBridges, deleteBridges, deleteLinksForContainers, probeCapabilities, type NetContext } from '../src/net/index.js'
import { nsenterArgv, type Runner } from '../src/exec.js'
import { jobRunner } from '../src/net/spawner.js'
import { instance, startContainer, type FakeContainer } from '../test/net/ns.js'

// BENCH_NSENTER=1: the helper starts `nsenter` for each job instead of entering the namespace itself (the old way, for comparison)
const viaNsenter: Runner = { run: (argv, opts = {}) => jobRunner.run(nsenterArgv(opts.netns, argv), { ...opts, netns: undefined }) }

const CONTAINERS = 100
const LINKS_PER = 2
const time = async <T>(label: string, fn: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now()
  const r = await fn()
  const ms = performance.now() - t0
  console.log(`${label}: ${ms.toFixed(0)} ms`)
  return [r, ms]
}

const quiet = process.stdout.write.bind(process.stdout)
const all: FakeContainer[] = []
try {
  const [net] = await time('start network namespace', () => startContainer('h2bench-net'))
  all.push(net)
  const [caps] = await time('probe capabilities', () => probeCapabilities())
  const ctx: NetContext = { conlinkPid: net.pid, bridges: { h2bench: { bridge: 'h2bench', mode: 'linux', 'resolved-mode': 'linux' } }, capabilities: caps, parallel: Number(process.env.PARALLEL ?? 8),
    ...(process.env.BENCH_NSENTER === '1' ? { runner: viaNsenter } : {}) }
  const ethtool = process.env.KEEP_OFFLOAD === '1' ? [] : ['--offload tx off']
  const [containers] = await time(`start ${CONTAINERS} namespaces`, () =>
    Promise.all(Array.from({ length: CONTAINERS }, (_, i) => startContainer(`h2b${i}`))))
  all.push(...containers)
  await time('create bridge', () => createBridges(ctx, Object.values(ctx.bridges)))
  const groups = containers.map((c, i) =>
    Array.from({ length: LINKS_PER }, (_, j) =>
      instance(c, { bridge: 'h2bench', dev: `eth${j}`, ip: `10.${j}.${i >> 8}.${(i & 255) + 1}/16`, mtu: 9000, ethtool }, { outerEnd: `h2b${i}-e${j}` })))
  // the per-link log lines would dominate the timing on a terminal
  process.stdout.write = (() => true) as typeof process.stdout.write
  const [results, createMs] = await time('create', () => addLinksForContainers(ctx, groups))
  process.stdout.write = quiet
  console.log(`create links: ${createMs.toFixed(0)} ms`)
  const failed = [...results.values()].filter(Boolean)
  if (failed.length) throw failed[0]
  process.stdout.write = (() => true) as typeof process.stdout.write
  const [, deleteMs] = await time('delete', () => deleteLinksForContainers(ctx, groups))
  process.stdout.write = quiet
  console.log(`delete links: ${deleteMs.toFixed(0)} ms`)
  await deleteBridges(ctx, Object.values(ctx.bridges))
  console.log(`links=${CONTAINERS * LINKS_PER} containers=${CONTAINERS} parallel=${ctx.parallel ?? 8} namespaces=${ctx.runner ? 'nsenter' : 'setns'}`)
  console.log(`ms_per_link=${(createMs / (CONTAINERS * LINKS_PER)).toFixed(2)}`)
} finally {
  process.stdout.write = quiet
  for (const c of all) c.kill()
}

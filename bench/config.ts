// `conlink config` on a 500-link network file: the whole process, as a user runs it.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { execa } from 'execa'
import { withoutExtraCaCerts } from './machine.js'

const CONLINK = fileURLToPath(new URL('../bin/conlink.js', import.meta.url))

/** 500 links: 250 containers with 2 veth links each on 2 bridges. */
function config500(): string {
  const lines = ['links:']
  for (let i = 0; i < 250; i++) {
    for (const j of [0, 1]) lines.push(`  - {container: c${i}, dev: eth${j}, bridge: s${j}, ip: 10.${j}.${i >> 8}.${(i & 255) + 1}/16}`)
  }
  return lines.join('\n') + '\n'
}

/** Seconds per run of `conlink config --network-file <500 links>` (without NODE_EXTRA_CA_CERTS: see withoutExtraCaCerts). */
export async function measureConfig(runs: number, conlink = CONLINK): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'h10-bench-config-'))
  const file = join(dir, 'net.yaml')
  writeFileSync(file, config500())
  try {
    const times: number[] = []
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now()
      await execa(process.execPath, [conlink, 'config', '--network-file', file], { stdout: 'ignore', env: withoutExtraCaCerts(), extendEnv: false })
      times.push((performance.now() - t0) / 1000)
    }
    return times
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

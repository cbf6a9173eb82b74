// The small benchmark (BENCH_SMALL=1: 10 and 20 replicas, one run each, targets
// not enforced) runs to completion and prints every figure line. With
// BENCH_PHASES=1 conlink runs with -v, so the conlink-side live figure and the
// start-up phases are printed too.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { execa } from 'execa'
import { missingPrerequisite, REPO } from './compose.js'

const skip = await missingPrerequisite()

const FIGURES = [
  /^wire_10_replicas_s median=[\d.]+ min=[\d.]+ max=[\d.]+/m,
  /^wire_20_replicas_s median=[\d.]+ min=[\d.]+ max=[\d.]+/m,
  /^per_link_ms median=-?[\d.]+ min=-?[\d.]+ max=-?[\d.]+/m,
  /^rss_20_links_mib median=[\d.]+ min=[\d.]+ max=[\d.]+/m,
  /^live_start_ms median=[\d.]+ min=[\d.]+ max=[\d.]+ p95=[\d.]+ n=3/m,
  /^live_start_conlink_ms median=[\d.]+ min=[\d.]+ max=[\d.]+ p95=[\d.]+ n=3/m,
  /^teardown_20_links_s median=[\d.]+/m,
  /^config_500_links_s median=[\d.]+ min=[\d.]+ max=[\d.]+/m,
]

describe('npm run bench:small', { skip }, () => {
  it('completes and prints every figure', { timeout: 600_000 }, async () => {
    const r = await execa(process.execPath, ['--import', 'tsx', 'bench/run.ts'], {
      cwd: REPO,
      env: { BENCH_SMALL: '1', BENCH_PHASES: '1' },
      reject: false,
      all: true,
    })
    assert.equal(r.exitCode, 0, String(r.all))
    for (const figure of FIGURES) assert.match(String(r.stdout), figure, String(r.all))
    assert.match(String(r.stderr), /start-up phases \(ms since node started\): engine module loaded \d+, .*running containers handled \d+/, String(r.all))
  })
})

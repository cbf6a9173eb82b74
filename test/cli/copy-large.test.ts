// copy streams: a file over 2 GiB is copied whole with bounded memory
// (a sparse source, so the test needs no 2 GiB of reads from disk).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { ROOT, ensureBuilt } from './tools-cli.js'

const SIZE = 2 * 1024 ** 3 + 4096
const RSS_LIMIT_MB = 300

/** Peak resident memory of a running process, sampled from /proc until it exits. */
function peakRssMb(pid: number, done: () => boolean): Promise<number> {
  return new Promise((resolve) => {
    let peak = 0
    const timer = setInterval(() => {
      try {
        const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
        peak = Math.max(peak, kb / 1024)
      } catch {
        /* exited */
      }
      if (done()) {
        clearInterval(timer)
        resolve(peak)
      }
    }, 20)
  })
}

test('copy -T of a file over 2 GiB streams it: same size, bounded memory', async (t) => {
  ensureBuilt()
  const dir = mkdtempSync(join(tmpdir(), 'copy-large-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'src'))
  mkdirSync(join(dir, 'dst'))
  const fd = openSync(join(dir, 'src', 'big.img'), 'w')
  ftruncateSync(fd, SIZE)
  closeSync(fd)
  let exited = false
  const child = spawn(process.execPath, [join(ROOT, 'bin/conlink.js'), 'copy', '-T', join(dir, 'src'), join(dir, 'dst')], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  const code = new Promise<number | null>((resolve) => child.on('exit', (c) => ((exited = true), resolve(c))))
  const peak = await peakRssMb(child.pid!, () => exited)
  assert.equal(await code, 0, stderr)
  assert.equal(statSync(join(dir, 'dst', 'big.img')).size, SIZE)
  assert.ok(peak < RSS_LIMIT_MB, `peak RSS ${peak.toFixed(0)} MB (limit ${RSS_LIMIT_MB} MB)`)
  t.diagnostic(`peak RSS ${peak.toFixed(0)} MB for a ${(SIZE / 1024 ** 3).toFixed(2)} GiB file`)
})

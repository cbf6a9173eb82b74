// Container pids from /proc: the cgroup and stat parsing, and the choice of init, on a fixture tree.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { containerIdOfCgroup, containerPidsFromProc, parentPidOfStat, ProcPids } from '../../src/runtime/procpids.js'

const A = 'a'.repeat(64)
const B = 'b'.repeat(62) + '01'
const C = 'c'.repeat(64)

test('containerIdOfCgroup: cgroup v1, v2 (cgroupfs, systemd, seen from another cgroup namespace), nested, none, disagreeing', () => {
  assert.equal(containerIdOfCgroup(`12:pids:/docker/${A}\n1:cpu:/docker/${A}\n0::/docker/${A}\n`), A)
  assert.equal(containerIdOfCgroup(`0::/system.slice/docker-${A}.scope\n`), A)
  assert.equal(containerIdOfCgroup(`0::/../docker-${A}.scope/init\n`), A)
  assert.equal(containerIdOfCgroup(`0::/docker/${A}/docker/${B}\n`), B, 'the innermost container')
  assert.equal(containerIdOfCgroup('0::/user.slice/user-0.slice/session-1.scope\n'), undefined)
  assert.equal(containerIdOfCgroup(`0::/docker/${A}f\n`), undefined, '65 hex digits are not an id')
  assert.equal(containerIdOfCgroup(`1:cpu:/docker/${A}\n0::/docker/${B}\n`), undefined)
  assert.equal(containerIdOfCgroup(`1:name=systemd:/\n0::/docker/${A}\n`), A, 'lines without an id do not count')
})

test('parentPidOfStat: the field after the state, whatever the command name holds', () => {
  assert.equal(parentPidOfStat('4242 (sleep) S 4200 4242 4242 0 -1 4194560'), 4200)
  assert.equal(parentPidOfStat('77 (a) b (c d) R 1 77 77 0'), 1)
  assert.equal(parentPidOfStat('77 (x'), undefined)
})

const proc = mkdtempSync(join(tmpdir(), 'procpids-'))
after(() => rmSync(proc, { recursive: true, force: true }))
function processEntry(pid: number, ppid: number, cgroup: string, stat = true, root = proc): void {
  mkdirSync(join(root, String(pid)), { recursive: true })
  writeFileSync(join(root, String(pid), 'cgroup'), cgroup)
  if (stat) writeFileSync(join(root, String(pid), 'stat'), `${pid} (proc ${pid}) S ${ppid} ${pid} ${pid} 0`)
}
processEntry(1, 0, '0::/init.scope\n')
processEntry(900, 1, '0::/system.slice/containerd.service\n') // the shim
processEntry(1001, 900, `0::/docker/${A}\n`) // A's init
processEntry(1002, 1001, `0::/docker/${A}\n`) // its child
processEntry(2001, 900, `0::/docker/${B}\n`) // B's init
processEntry(2050, 900, `0::/docker/${B}\n`) // a `docker exec` in B
processEntry(3001, 900, `0::/docker/${C}\n`, false) // C: its stat is gone (exited meanwhile)
const D = 'd'.repeat(64)
processEntry(4001, 900, `${'7:misc:/\n'.repeat(600)}0::/docker/${D}\n`) // longer than one read
mkdirSync(join(proc, 'self'))
writeFileSync(join(proc, 'uptime'), '1.0 1.0')

test('containerPidsFromProc: init where it is the one process with a parent outside; ambiguous or half-read containers are left to inspect', () => {
  assert.deepEqual(containerPidsFromProc([A, B, C, D, 'e'.repeat(64)], proc), new Map([[A, 1001], [D, 4001]]))
  assert.deepEqual(containerPidsFromProc([B], proc), new Map())
  assert.deepEqual(containerPidsFromProc([], proc), new Map())
  assert.deepEqual(containerPidsFromProc([A], join(proc, 'missing')), new Map())
})

test('ProcPids after a start: reads only new processes, and a pid reused since the last lookup never gives a wrong init', () => {
  const live = mkdtempSync(join(tmpdir(), 'procpids-live-'))
  after(() => rmSync(live, { recursive: true, force: true }))
  const [E, F, G, H] = ['e', 'f', '7', '8'].map((c) => c.repeat(64))
  const entry = (pid: number, ppid: number, cgroup: string) => processEntry(pid, ppid, cgroup, true, live)
  const gone = (pid: number) => rmSync(join(live, String(pid)), { recursive: true })
  const none = '0::/user.slice\n'
  entry(900, 1, '0::/system.slice/containerd.service\n')
  for (const pid of [6001, 7001, 8002]) entry(pid, 1, none)
  entry(8001, 900, `0::/docker/${H}\n`) // H's init before a restart
  const pids = new ProcPids(live)
  assert.deepEqual(pids.pidsOf([H]), new Map([[H, 8001]]))

  entry(5001, 900, `0::/docker/${E}\n`)
  writeFileSync(join(live, '8002', 'cgroup'), `0::/docker/${E}\n`) // remembered as no container: not read again
  assert.deepEqual(pids.pidsOf([E]), new Map([[E, 5001]]), 'the new process is read, the remembered one is not')

  gone(6001) // ended; its pid now F's init, between two lookups (the directory is back before the next readdir)
  entry(6001, 900, `0::/docker/${F}\n`)
  assert.deepEqual(pids.pidsOf([F]), new Map([[F, 6001]]), 'found nothing with what it remembered: looked again from scratch')

  gone(7001) // reused by G's init, whose child is new
  entry(7001, 900, `0::/docker/${G}\n`)
  entry(7002, 7001, `0::/docker/${G}\n`)
  assert.deepEqual(pids.pidsOf([G]), new Map([[G, 7001]]), 'the child is not taken for init: its parent is read again')

  gone(8001) // H restarted: its old init's pid reused outside any container, its new init elsewhere
  entry(8001, 1, none)
  entry(8005, 900, `0::/docker/${H}\n`)
  assert.deepEqual(pids.pidsOf([H]), new Map([[H, 8005]]))
  assert.deepEqual(pids.pidsOf([H, E], true), new Map([[H, 8005]]), 'afresh: 8002 now reads as a second root of E')
})

test('scanAfresh, then pidsFromScan: what a one-shot lookup finds; a container started after the scan is left to inspect; no /proc, nothing', async () => {
  const pids = new ProcPids(proc)
  const scan = await pids.scanAfresh()
  processEntry(5001, 900, `0::/docker/${'5'.repeat(64)}\n`)
  after(() => rmSync(join(proc, '5001'), { recursive: true, force: true }))
  assert.deepEqual(pids.pidsFromScan([A, B, C, D, '5'.repeat(64)], scan), containerPidsFromProc([A, B, C, D], proc))
  assert.deepEqual(pids.pidsFromScan([], scan), new Map())
  const missing = new ProcPids(join(proc, 'missing'))
  assert.deepEqual(missing.pidsFromScan([A], await missing.scanAfresh()), new Map())
})

test('scanAfresh gives way to the event loop as it reads (a reply that arrives meanwhile is read), and forgets what it remembered', async () => {
  const many = mkdtempSync(join(tmpdir(), 'procpids-many-'))
  after(() => rmSync(many, { recursive: true, force: true }))
  processEntry(900, 1, '0::/system.slice/containerd.service\n', true, many)
  for (let i = 0; i < 300; i++) processEntry(10_000 + i, 900, `0::/docker/${i.toString(16).padStart(64, '0')}\n`, true, many)
  const pids = new ProcPids(many)
  assert.deepEqual(pids.pidsOf(['0'.repeat(64)]), new Map([['0'.repeat(64), 10_000]]))
  writeFileSync(join(many, '10000', 'cgroup'), `0::/docker/${'9'.repeat(64)}\n`) // remembered before: read again by the scan
  const scanning = pids.scanAfresh()
  let immediates = 0
  setImmediate(() => immediates++)
  const scan = await scanning
  assert.equal(immediates, 1, 'the scan let the event loop run before it was done')
  assert.equal(scan.readNow.size, 301)
  assert.deepEqual(pids.pidsFromScan(['9'.repeat(64), '0'.repeat(64)], scan), new Map([['9'.repeat(64), 10_000]]))
})

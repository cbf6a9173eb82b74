// Container pids from /proc: the cgroup and stat parsing, and the choice of init, on a fixture tree.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { containerIdOfCgroup, containerPidsFromProc, parentPidOfStat } from '../../src/runtime/procpids.js'

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
function processEntry(pid: number, ppid: number, cgroup: string, stat = true): void {
  mkdirSync(join(proc, String(pid)))
  writeFileSync(join(proc, String(pid), 'cgroup'), cgroup)
  if (stat) writeFileSync(join(proc, String(pid), 'stat'), `${pid} (proc ${pid}) S ${ppid} ${pid} ${pid} 0`)
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

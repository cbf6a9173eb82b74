// The executor's pure parts: reading a `-force -batch` run's stderr and
// finding the line a batch stopped on (attribution of failures to single ops).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { limiter, parseBatchOutcome, stoppedAt } from '../../src/net/executor.js'
import { ip } from '../../src/net/ops.js'

test('parseBatchOutcome: failed lines with their messages, nothing stopped', () => {
  const r = parseBatchOutcome('RTNETLINK answers: File exists\nCommand failed -:2\n\nError: x\nmore\nCommand failed -:5\n')
  assert.deepEqual([...r.failures], [[2, 'RTNETLINK answers: File exists'], [5, 'Error: x; more']])
  assert.equal(r.stopped, undefined)
  assert.deepEqual([...parseBatchOutcome('Command failed -:1\n').failures], [[1, 'failed']], 'no message: "failed"')
  assert.deepEqual(parseBatchOutcome(''), { failures: new Map() })
})

test('parseBatchOutcome: text after the last failure means the batch stopped', () => {
  const r = parseBatchOutcome('Cannot find device "nonexist"\nCommand failed -:2\nError: inet address is expected rather than "bogus".\n')
  assert.deepEqual([...r.failures], [[2, 'Cannot find device "nonexist"']])
  assert.equal(r.stopped, 'Error: inet address is expected rather than "bogus".')
  assert.deepEqual(parseBatchOutcome('  a  \n b\n'), { failures: new Map(), stopped: 'a; b' })
})

const ops = [
  ip(1, 'a:eth0', ['addr', 'add', '10.0.0.1/24', 'dev', 'eth0']),
  ip(1, 'a:eth0', ['route', 'add', '10.8.0.0/24', 'via', 'bogus', 'dev', 'eth0']),
  ip(1, 'a:eth1', ['link', 'set', 'dev', 'eth%d', 'up']),
  ip(1, 'a:eth1', ['route', 'add', '10.9.0.0/24', 'via', 'bogus', 'dev', 'eth1']),
]

test('stoppedAt: the first op holding the quoted word, from the given line on', () => {
  assert.equal(stoppedAt(ops, 0, 'Error: inet address is expected rather than "bogus".'), 1)
  assert.equal(stoppedAt(ops, 2, 'Error: inet address is expected rather than "bogus".'), 3, 'lines before `from` ran already')
  assert.equal(stoppedAt(ops, 0, 'Error: argument "eth%d" is wrong: "dev" not a valid ifname'), 2, 'the op holding most quoted words, not the first with "dev"')
  assert.equal(stoppedAt(ops, 0, 'Command line is not complete. Try option "help"'), -1)
  assert.equal(stoppedAt(ops, 0, 'nsenter: cannot open /proc/1/ns/net: No such file or directory'), -1)
  assert.equal(stoppedAt(ops, 4, '"bogus"'), -1, 'nothing after the end')
  assert.equal(stoppedAt(ops, 0, 'Error: either "to" is duplicate, or "10.0.0.1/24" is a garbage.'), 0)
})

test('limiter: at most n at once, every task runs, a failing task frees its slot', async () => {
  const limit = limiter(2)
  let active = 0
  let peak = 0
  const task = (ms: number, fail = false) => limit(async () => {
    active++
    peak = Math.max(peak, active)
    await new Promise((r) => setTimeout(r, ms))
    active--
    if (fail) throw new Error('boom')
    return ms
  })
  const results = await Promise.allSettled([task(20), task(5, true), task(5), task(1), task(1)])
  assert.equal(peak, 2)
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled'])
  assert.equal(active, 0)
})

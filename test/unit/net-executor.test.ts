// The executor's pure parts: reading a `-force -batch` run's stderr and
// finding the line a batch stopped on (attribution of failures to single ops).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { inNs, limiter, parseBatchOutcome, stoppedAt } from '../../src/net/executor.js'
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
  // the slots are all free again: a second burst runs two at once, not fewer
  peak = 0
  let guard: NodeJS.Timeout | undefined
  const second = await Promise.race([
    Promise.all([task(10), task(10), task(10)]),
    new Promise((r) => (guard = setTimeout(() => r('stuck'), 2000))),
  ])
  clearTimeout(guard)
  assert.deepEqual(second, [10, 10, 10])
  assert.equal(peak, 2)
})

test('parseBatchOutcome: only whole `Command failed -:N` lines count, N of any length; blank lines are dropped', () => {
  const r = parseBatchOutcome('e1\nCommand failed -:12\n  \nnot a Command failed -:3 line\n')
  assert.deepEqual([...r.failures], [[12, 'e1']])
  assert.equal(r.stopped, 'not a Command failed -:3 line')
  assert.deepEqual(parseBatchOutcome('a\n   \nb\nCommand failed -:1\n').failures.get(1), 'a; b')
})

test('inNs: where each namespace is entered', () => {
  const ctx = { bridges: {}, capabilities: {} as never }
  assert.deepEqual(inNs(ctx, 'conlink', ['ip', 'a']), ['ip', 'a'], 'no network container pid: we are in it')
  assert.deepEqual(inNs({ ...ctx, conlinkPid: 7 }, 'conlink', ['ip']), ['nsenter', '--net=/proc/7/ns/net', 'ip'])
  assert.deepEqual(inNs(ctx, 'host', ['ip']), ['nsenter', '--net=/proc/1/ns/net', 'ip'])
  assert.deepEqual(inNs({ ...ctx, hostPid: 9, conlinkPid: 7 }, 'host', ['ip']), ['nsenter', '--net=/proc/9/ns/net', 'ip'])
  assert.deepEqual(inNs({ ...ctx, conlinkPid: 7 }, 42, ['ip']), ['nsenter', '--net=/proc/42/ns/net', 'ip'])
})

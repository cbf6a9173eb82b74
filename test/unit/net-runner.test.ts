// The Runner seam and the kernel error classifiers, without root: a fake
// runner records what the executor asks for.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { RunOptions, Runner } from '../../src/exec.js'
import { FEATURES, type Capabilities } from '../../src/net/capabilities.js'
import type { NetContext } from '../../src/net/context.js'
import { execute, JOB_TIMEOUT_MS } from '../../src/net/executor.js'
import { alreadyExists, alreadyGone, ipv6Disabled, namespaceDenied, notPermitted, parseBatchErrors, unknownDeviceType } from '../../src/net/kernel-errors.js'
import { ip, iptRule } from '../../src/net/ops.js'

const all = Object.fromEntries(FEATURES.map((f) => [f, true])) as Capabilities

function recorder(answer: (argv: readonly string[], opts: RunOptions) => { stdout?: string; stderr?: string; exitCode?: number; problem?: string } = () => ({})) {
  const calls: Array<{ argv: string[]; opts: RunOptions }> = []
  const runner: Runner = {
    run: async (argv, opts = {}) => {
      calls.push({ argv: [...argv], opts })
      return { stdout: '', stderr: '', exitCode: 0, ...answer(argv, opts) }
    },
  }
  return { calls, runner }
}

test('the executor runs through the context runner: namespace as a file, no nsenter, a timeout on every run', async () => {
  const { calls, runner } = recorder()
  const ctx: NetContext = { conlinkPid: 77, bridges: {}, capabilities: all, runner }
  const r = await execute(ctx, [ip('conlink', 'a', ['link', 'add', 'x', 'type', 'bridge']), ip(4242, 'b', ['link', 'set', 'lo', 'up'])])
  assert.equal(r.done.length, 2)
  assert.deepEqual(calls.map((c) => [c.argv, c.opts.netns, c.opts.input]).sort(), [
    [['ip', '-force', '-batch', '-'], '/proc/4242/ns/net', 'link set lo up\n'],
    [['ip', '-force', '-batch', '-'], '/proc/77/ns/net', 'link add x type bridge\n'],
  ])
  assert.ok(calls.every((c) => c.opts.timeoutMs === JOB_TIMEOUT_MS && c.opts.allowFailure))
})

test('a batch whose outcome is unknown (timeout, lost helper) fails as a whole, never per line', async () => {
  const { runner } = recorder(() => ({ exitCode: 125, stderr: 'Command failed -:1', problem: 'outcome unknown: the job helper died' }))
  const ctx: NetContext = { bridges: {}, capabilities: all, runner, jobTimeoutMs: 5 }
  const ops = [iptRule('conlink', 'c:eth0', 'nat', ['PREROUTING', '-j', 'ACCEPT']), iptRule('conlink', 'c:eth0', 'nat', ['POSTROUTING', '-j', 'ACCEPT'])]
  const r = await execute(ctx, ops)
  assert.deepEqual(r.done, [])
  assert.equal(r.failed.size, 2)
  for (const msg of r.failed.values()) assert.match(msg, /outcome unknown/)
})

test('kernel error classifiers', () => {
  assert.ok(alreadyExists('RTNETLINK answers: File exists'))
  assert.ok(!alreadyExists('Cannot find device "x"'))
  assert.ok(ipv6Disabled('RTNETLINK answers: Permission denied; IPv6 is disabled on this device'))
  assert.ok(!ipv6Disabled('RTNETLINK answers: File exists'))
  for (const gone of ['Cannot find device "eth9"', 'RTNETLINK answers: No such device', 'Device "x" does not exist.',
    'nsenter: cannot open /proc/123/ns/net: No such file or directory', 'cannot open /proc/9/ns/net: No such file or directory'])
    assert.ok(alreadyGone(gone), gone)
  assert.ok(!alreadyGone('RTNETLINK answers: File exists'))
  assert.ok(unknownDeviceType('Error: Unknown device type.'))
  assert.ok(!unknownDeviceType('RTNETLINK answers: Operation not supported'))
  assert.ok(notPermitted('unshare: unshare failed: Operation not permitted'))
  assert.ok(notPermitted('open: Permission denied'))
  assert.ok(!notPermitted('File exists'))
  assert.ok(namespaceDenied('nsenter: cannot open /proc/1/ns/net: Permission denied', 1))
  assert.ok(namespaceDenied('cannot open /proc/1/ns/net: Permission denied', 1))
  assert.ok(!namespaceDenied('cannot open /proc/12/ns/net: Permission denied', 1))
  assert.deepEqual([...parseBatchErrors('Error: a\nCommand failed -:3\nCommand failed -:4\n')], [[3, 'Error: a'], [4, 'failed']])
})

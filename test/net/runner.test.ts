// The job helper on real namespaces: it enters the network namespace itself
// (setns) and gives the same results as nsenter; a namespace that is gone
// reads as "already gone"; the veth offload it sets itself matches ethtool.
import assert from 'node:assert/strict'
import { readlinkSync } from 'node:fs'
import { after, test } from 'node:test'
import { processRunner } from '../../src/exec.js'
import { alreadyGone } from '../../src/net/kernel-errors.js'
import { JobRunner } from '../../src/net/spawner.js'
import { goneNamespace, startContainer, type FakeContainer } from './ns.js'

const started: FakeContainer[] = []
after(() => started.forEach((c) => c.kill()))

test('the job helper runs a program inside a network namespace without nsenter', async () => {
  const c = await startContainer('h2-runner')
  started.push(c)
  const netns = `/proc/${c.pid}/ns/net`
  const runner = new JobRunner()
  const inside = await runner.run(['readlink', '/proc/self/ns/net'], { netns })
  assert.equal(inside.stdout, readlinkSync(netns))
  assert.notEqual(inside.stdout, readlinkSync('/proc/self/ns/net'))
  const viaHelper = await runner.run(['ip', '-o', 'link', 'show'], { netns })
  const viaNsenter = await processRunner.run(['ip', '-o', 'link', 'show'], { netns })
  assert.equal(viaHelper.stdout, viaNsenter.stdout)
  // input reaches a batch run inside the namespace
  await runner.run(['ip', '-batch', '-'], { netns, input: 'link add name h2r0 type bridge\n' })
  assert.match((await runner.run(['ip', '-o', 'link', 'show', 'h2r0'], { netns })).stdout, /h2r0/)
})

test('a namespace that is gone: the job fails as "already gone", through the helper and through nsenter alike', async () => {
  const netns = await goneNamespace(await startContainer('h2-gone'))
  const viaHelper = await new JobRunner().run(['ip', 'link', 'del', 'x'], { netns, allowFailure: true })
  const viaNsenter = await processRunner.run(['ip', 'link', 'del', 'x'], { netns, allowFailure: true })
  for (const r of [viaHelper, viaNsenter]) {
    assert.notEqual(r.exitCode, 0)
    assert.ok(alreadyGone(r.stderr), r.stderr)
  }
})

test('`ethtool --offload DEV tx off` through the helper (its own ioctl) leaves the same features as the ethtool program; a missing device is "already gone"', async () => {
  const c = await startContainer('h2-offload')
  started.push(c)
  const netns = `/proc/${c.pid}/ns/net`
  const runner = new JobRunner()
  await runner.run(['ip', '-batch', '-'], { netns, input: 'link add h2o0 type veth peer name h2o1\nlink add h2o2 type veth peer name h2o3\n' })
  const features = async (dev: string) => (await processRunner.run(['ethtool', '-k', dev], { netns })).stdout.split('\n').slice(1).join('\n')
  assert.match(await features('h2o0'), /^tx-checksumming: on/m)
  await runner.run(['ethtool', '--offload', 'h2o0', 'tx', 'off'], { netns })
  await processRunner.run(['ethtool', '--offload', 'h2o2', 'tx', 'off'], { netns })
  assert.match(await features('h2o0'), /^tx-checksumming: off/m)
  assert.equal(await features('h2o0'), await features('h2o2'))
  const missing = await runner.run(['ethtool', '--offload', 'nosuch0', 'tx', 'off'], { netns, allowFailure: true })
  assert.equal(missing.exitCode, 1)
  assert.equal(missing.stderr.trim(), 'Cannot set tx offload of nosuch0: No such device')
  assert.ok(alreadyGone(missing.stderr))
})

test('a batch of offloads (`xargs -L 1 ethtool`) through the helper: the same features as through the programs, and xargs\'s 123 when one failed', async () => {
  const c = await startContainer('h2-offloads')
  started.push(c)
  const netns = `/proc/${c.pid}/ns/net`
  const runner = new JobRunner()
  await runner.run(['ip', '-batch', '-'], { netns, input: ['a', 'b', 'c', 'd'].map((x) => `link add h2x${x} type veth peer name h2y${x}\n`).join('') })
  const xargs = ['xargs', '-L', '1', 'ethtool']
  const features = async (dev: string) => (await processRunner.run(['ethtool', '-k', dev], { netns })).stdout.split('\n').slice(1).join('\n')
  await runner.run(xargs, { netns, input: '--offload h2xa tx off\n--offload h2xb tx off\n' })
  await processRunner.run(xargs, { netns, input: '--offload h2xc tx off\n--offload h2xd tx off\n' })
  assert.match(await features('h2xa'), /^tx-checksumming: off/m)
  for (const [mine, theirs] of [['h2xa', 'h2xc'], ['h2xb', 'h2xd']]) assert.equal(await features(mine), await features(theirs))
  const oneMissing = await runner.run(xargs, { netns, input: '--offload nosuch0 tx off\n--offload h2ya tx off\n', allowFailure: true })
  assert.equal(oneMissing.exitCode, 123)
  assert.equal(oneMissing.stderr.trim(), 'Cannot set tx offload of nosuch0: No such device')
  assert.match(await features('h2ya'), /^tx-checksumming: off/m, 'the line after the failed one ran')
  // a name longer than a device name is not cut to one (the program refuses it)
  const long = await runner.run(['ethtool', '--offload', 'h2xa-and-much-more', 'tx', 'off'], { netns, allowFailure: true })
  assert.notEqual(long.exitCode, 0)
  assert.doesNotMatch(long.stderr, /Cannot set tx offload/, 'the ethtool program answered, not the helper')
  // anything else runs the program
  const other = await runner.run(xargs, { netns, input: '--offload h2yb rx off\n', allowFailure: true })
  assert.equal(other.exitCode, 0, other.stderr)
  assert.match(await features('h2yb'), /^rx-checksumming: off/m)
})

test('a container\'s jobs given together: done by the helper one after another in one entry, a result each; a job outside its grammar sends them alone', async () => {
  const c = await startContainer('h2-together')
  started.push(c)
  const netns = `/proc/${c.pid}/ns/net`
  const runner = new JobRunner()
  const features = async (dev: string) => (await processRunner.run(['ethtool', '-k', dev], { netns })).stdout
  const batch = (line: string) => ({ argv: ['ip', '-force', '-batch', '-'], input: `${line}\n` })
  const offload = (dev: string) => ({ argv: ['ethtool', '--offload', dev, 'tx', 'off'] })
  // in order: the offload finds the veth the batch before it made
  const [made, off] = await runner.runTogether([batch(`link add name h2g0 up type veth peer name h2g1 netns ${c.pid}`), offload('h2g0')], { netns })
  assert.deepEqual([made.exitCode, off.exitCode], [0, 0], made.stderr + off.stderr)
  assert.match(await features('h2g0'), /^tx-checksumming: off/m)
  // each job's failure is its own
  const [addr, missing] = await runner.runTogether([batch('addr add 10.9.0.1/24 dev nosuch0'), offload('nosuch1')], { netns, allowFailure: true })
  assert.deepEqual([addr.exitCode, addr.stderr], [1, 'Cannot find device "nosuch0"\nCommand failed -:1'])
  assert.deepEqual([missing.exitCode, missing.stderr], [1, 'Cannot set tx offload of nosuch1: No such device'])
  // a program among them (not kernel work the helper does): all run as single jobs, the program's output comes back
  const [shown, again] = await runner.runTogether([{ argv: ['ip', '-o', 'link', 'show', 'h2g0'] }, offload('h2g0')], { netns })
  assert.match(shown.stdout, /h2g0@h2g1/)
  assert.equal(again.exitCode, 0)
})

test('jobs given together in a namespace that is gone: each fails as "already gone"', async () => {
  const netns = await goneNamespace(await startContainer('h2-together-gone'))
  const runner = new JobRunner()
  const results = await runner.runTogether([{ argv: ['ip', '-force', '-batch', '-'], input: 'link set dev eth0 up\n' }, { argv: ['ethtool', '--offload', 'eth0', 'tx', 'off'] }], { netns, allowFailure: true })
  assert.equal(results.length, 2)
  for (const r of results) assert.ok(r.exitCode !== 0 && alreadyGone(r.stderr), r.stderr)
})

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { runJob } from '../../src/net/spawner.js'

test('the job helper answers every lone job promptly (no lost child status)', async () => {
  for (let i = 0; i < 200; i++) {
    const started = performance.now()
    const r = await runJob(['true'])
    assert.equal(r.exitCode, 0)
    assert.ok(performance.now() - started < 1000, `job ${i} took ${performance.now() - started} ms`)
    await sleep(i % 3)
  }
})

test('the job helper keeps input, output and exit codes apart under concurrency', async () => {
  const jobs = Array.from({ length: 400 }, async (_, i) => {
    const input = `line ${i}\n`.repeat(1 + (i % 7))
    const r = await runJob(['cat'], input)
    assert.equal(r.stdout, input.replace(/\n$/, ''))
    const fail = await runJob(['sh', '-c', `exit ${i % 5}`])
    assert.equal(fail.exitCode, i % 5)
  })
  await Promise.all(jobs)
})

test('arguments reach the program as data, one each', async () => {
  const args = ['a b', '$(touch /tmp/x)', "'; echo", '\\n', 'ünï']
  const r = await runJob(['printf', '%s\\n', ...args])
  assert.deepEqual(r.stdout.split('\n'), args)
})

// processRunner: the contract every Runner keeps (argv only, exit codes, timeouts, aborts).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { processRunner, run } from '../../src/exec.js'

test('a missing program: exit 127 and a reason, or a ConlinkError naming it', async () => {
  const r = await processRunner.run(['conlink-no-such-program'], { allowFailure: true })
  assert.equal(r.exitCode, 127)
  assert.match(r.problem ?? '', /cannot run conlink-no-such-program: not found/)
  await assert.rejects(run(['conlink-no-such-program']), /conlink-no-such-program: cannot run conlink-no-such-program: not found/)
})

test('a timeout kills a detached program with everything it started', async () => {
  const started = performance.now()
  const r = await processRunner.run(['sh', '-c', 'sleep 30 & sleep 30'], { allowFailure: true, timeoutMs: 200, detached: true })
  assert.equal(r.exitCode, 124)
  assert.match(r.problem ?? '', /timed out after 200 ms/)
  assert.ok(performance.now() - started < 5000)
})

test('an abort stops the program; a signal death is 128+N', async () => {
  const stop = new AbortController()
  const job = processRunner.run(['sleep', '30'], { allowFailure: true, signal: stop.signal })
  setTimeout(() => stop.abort(), 50)
  assert.equal((await job).exitCode, 128 + 15)
})

test('input, output and arguments as data', async () => {
  assert.equal((await run(['cat'], { input: 'a b\n' })).stdout, 'a b')
  assert.equal((await run(['printf', '%s|', '$(x)', "a'b"])).stdout, "$(x)|a'b|")
})

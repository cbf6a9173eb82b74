// Shared helpers for the config unit tests: write files to a temp dir and load them.
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import assert from 'node:assert/strict'
import { loadNetworkConfig, type LoadConfigOptions } from '../../src/config/index.js'
import { isConlinkError } from '../../src/errors.js'

const dir = mkdtempSync(join(tmpdir(), 'h1-config-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** Write a file into the test's temp dir and return its path. */
export function writeTemp(name: string, text: string): string {
  const file = join(dir, name)
  // test files imported into one process (test/mutation/) share this module: an earlier file's after() may have removed it
  mkdirSync(dir, { recursive: true })
  writeFileSync(file, text)
  return file
}

/** Load a single network file given as text. */
export function loadNet(text: string, opts: LoadConfigOptions = {}) {
  const file = writeTemp(`net-${Math.random().toString(36).slice(2)}.yaml`, text)
  return { file, result: loadNetworkConfig({ env: {}, probe: () => false, ...opts, networkFiles: [file] }) }
}

/** Assert the promise rejects with a ConlinkError whose text matches every pattern; returns the text. */
export async function rejectsWith(p: Promise<unknown>, ...patterns: (string | RegExp)[]): Promise<string> {
  let text = ''
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isConlinkError(e), `expected a ConlinkError, got ${String(e)}`)
    text = e.describe()
    return true
  })
  for (const p of patterns) {
    if (typeof p === 'string') assert.ok(text.includes(p), `expected "${p}" in:\n${text}`)
    else assert.match(text, p)
  }
  return text
}

/** The ConlinkError `fn` throws (or the promise rejects with): its message, hint, place and whole text. */
export async function errorOf(fn: () => unknown): Promise<{ message: string; hint?: string; place: { file?: string; path?: string }; text: string }> {
  try {
    await fn()
  } catch (e) {
    assert.ok(isConlinkError(e), `not a ConlinkError: ${String(e)}`)
    return { message: e.message, hint: e.hint, place: e.place, text: e.describe() }
  }
  assert.fail('no error')
}

// Test helper: run the built CLI (dist/) as a user would, building it first
// when the compiled files are missing or older than their sources.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

const SOURCES = [
  'commands/index.ts', 'commands/mdc.ts', 'commands/wait.ts', 'commands/copy.ts', 'commands/utils.ts',
  'src/compose/mdc.ts', 'src/compose/modes.ts', 'src/compose/resolve.ts',
  'src/tools/wait.ts', 'src/tools/copy.ts', 'src/tools/common.ts', 'src/tools/install.ts',
]

/** `npx tsc -p .` unless dist/ is up to date (errors in other people's files do not stop emit). */
export function ensureBuilt(): void {
  const built = (src: string) => join(ROOT, 'dist', src.replace(/\.ts$/, '.js'))
  const stale = SOURCES.some((s) => !existsSync(built(s)) || statSync(built(s)).mtimeMs < statSync(join(ROOT, s)).mtimeMs)
  if (stale) spawnSync('npx', ['tsc', '-p', '.'], { cwd: ROOT, stdio: 'ignore' })
  for (const s of SOURCES) if (!existsSync(built(s))) throw new Error(`build failed: ${built(s)} missing`)
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Run argv (argv[0] a program) and collect its output. */
export function runProgram(argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code: code ?? 128 + (signal ? 15 : 0), stdout, stderr }))
  })
}

export const conlink = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  runProgram([process.execPath, join(ROOT, 'bin', 'conlink.js'), ...args], opts)

export const mdcBin = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  runProgram([process.execPath, join(ROOT, 'bin', 'mdc.js'), ...args], opts)

// copy: overlay one directory tree onto another, optionally replacing
// `{{NAME}}` tokens with environment variables (-T).
import { lstat, mkdir, readdir, readFile, readlink, stat, symlink, unlink, writeFile, chmod } from 'node:fs/promises'
import { join } from 'node:path'
import Handlebars from 'handlebars'
import { ToolError, execCommand, runTool, splitCommand, usageError } from './common.js'

export const COPY_USAGE = 'copy [-T|--template] [--strict] SRC_DIR DST_DIR [-- COMMAND ARGS...]'

export interface CopyOptions {
  /** Replace `{{NAME}}` tokens in text files. */
  template?: boolean
  /** With template: an unset variable is an error. */
  strict?: boolean
  env?: NodeJS.ProcessEnv
}

const TOKEN = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g
const BINARY_PROBE = 8192

/** NUL in the first 8 KiB, or not valid UTF-8. */
export function isBinary(buf: Buffer): boolean {
  if (buf.subarray(0, BINARY_PROBE).includes(0)) return true
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf)
    return false
  } catch {
    return true
  }
}

// A private handlebars without its built-in helpers, so `{{log}}` or `{{if}}`
// are variable names like any other.
const handlebars = Handlebars.create()
for (const name of Object.keys(handlebars.helpers)) {
  if (name !== 'helperMissing' && name !== 'blockHelperMissing') handlebars.unregisterHelper(name)
}

/**
 * Render `{{NAME}}` tokens with handlebars (no HTML escaping). Names are found
 * first so that unset ones can map to their own literal token and stay as
 * they were (or, with strict, fail naming the file and variable).
 */
export function renderTemplate(text: string, env: NodeJS.ProcessEnv, file: string, strict = false): string {
  const context: Record<string, string> = {}
  for (const [, name] of text.matchAll(TOKEN)) {
    const value = env[name]
    if (value !== undefined) context[name] = value
    else if (strict) throw new ToolError(`${file}: variable ${name} is not set`, 1)
    else context[name] = `{{${name}}}`
  }
  try {
    return handlebars.compile(text, { noEscape: true, strict: false })(context)
  } catch (err) {
    throw new ToolError(`${file}: bad template: ${(err as Error).message.split('\n')[0]}`, 1)
  }
}

async function exists(path: string) {
  return lstat(path).then(
    () => true,
    () => false,
  )
}

async function copyFile(src: string, dst: string, opts: CopyOptions): Promise<void> {
  const info = await stat(src)
  let data = await readFile(src)
  if (opts.template && !isBinary(data)) {
    data = Buffer.from(renderTemplate(data.toString('utf8'), opts.env ?? process.env, src, opts.strict))
  }
  // A new file is owned by the current user; overwriting would keep the old owner.
  if (await exists(dst)) await unlink(dst)
  await writeFile(dst, data)
  await chmod(dst, (info.mode & 0o7777) | 0o200)
}

/** Overlay SRC onto DST recursively; returns the number of files copied. */
export async function copyTree(src: string, dst: string, opts: CopyOptions = {}): Promise<number> {
  let count = 0
  for (const entry of await readdir(src, { withFileTypes: true })) {
    const from = join(src, entry.name)
    const to = join(dst, entry.name)
    if (entry.isDirectory()) {
      if (!(await exists(to))) {
        await mkdir(to)
        await chmod(to, ((await stat(from)).mode & 0o7777) | 0o700)
      }
      count += await copyTree(from, to, opts)
    } else if (entry.isSymbolicLink()) {
      if (await exists(to)) await unlink(to)
      await symlink(await readlink(from), to)
      count++
    } else {
      await copyFile(from, to, opts)
      count++
    }
  }
  return count
}

async function isDir(path: string) {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  )
}

function parseCopyArgs(argv: readonly string[]) {
  const { args, command } = splitCommand(argv)
  const opts: CopyOptions = {}
  const dirs: string[] = []
  for (const arg of args) {
    if (arg === '-T' || arg === '--template') opts.template = true
    else if (arg === '--strict') opts.strict = true
    else if (arg.startsWith('-') && arg !== '-') throw usageError(`unknown option: ${arg}`, COPY_USAGE)
    else dirs.push(arg)
  }
  if (dirs.length !== 2) throw usageError('need SRC_DIR and DST_DIR', COPY_USAGE)
  return { opts, src: dirs[0], dst: dirs[1], command }
}

/** The `copy` tool: parse argv, copy, then run the command. Returns the exit code. */
export function copyMain(argv: readonly string[]): Promise<number> {
  return runTool('copy', async () => {
    const { opts, src, dst, command } = parseCopyArgs(argv)
    if (!(await isDir(src))) throw new ToolError(`source directory not found: ${src}`, 2)
    if (!(await isDir(dst))) throw new ToolError(`destination directory not found: ${dst}`, 2)
    const n = await copyTree(src, dst, opts)
    process.stdout.write(`copy: ${src} -> ${dst} (${n} files)\n`)
    return command.length ? execCommand('copy', command) : 0
  })
}

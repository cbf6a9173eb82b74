// copy: overlay one directory tree onto another, optionally replacing
// `{{NAME}}` tokens with environment variables (-T), or rendering files with
// handlebars (--handlebars). Never writes outside DST: a link in DST is
// replaced, never followed; links in SRC are copied as links.
import { createReadStream, createWriteStream, type Stats } from 'node:fs'
import { chmod, lstat, mkdir, readdir, readFile, readlink, realpath, stat, symlink, unlink, writeFile } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { Transform } from 'node:stream'
import Handlebars from 'handlebars'
import { ToolError, execCommand, runTool, splitCommand, usageError } from './common.js'

export const COPY_USAGE = 'copy [-T|--template] [--strict] [--handlebars] SRC_DIR DST_DIR [-- COMMAND ARGS...]'

export interface CopyOptions {
  /** Replace `{{NAME}}` tokens in text files. */
  template?: boolean
  /** Render text files with handlebars (environment as context, strict). */
  handlebars?: boolean
  /** With template: an unset variable is an error. */
  strict?: boolean
  env?: NodeJS.ProcessEnv
  /** Where skipped entries are reported (default: stderr). */
  warn?: (message: string) => void
}

/** Exactly `{{NAME}}`: no spaces, no other syntax. */
const TOKEN = /\{\{([A-Za-z_][A-Za-z0-9_]*)\}\}/g
/** The longest `{{NAME` kept back at a chunk end waiting for its `}}`. */
const MAX_PENDING_TOKEN = 64 * 1024
/** Handlebars templates are read whole: keep that bounded. */
const MAX_HANDLEBARS_FILE = 64 * 1024 * 1024

const envValue = (env: NodeJS.ProcessEnv, name: string): string | undefined => (Object.hasOwn(env, name) ? env[name] : undefined)

/**
 * Replace each `{{NAME}}` whose variable is set (an own property of env);
 * everything else stays byte for byte. Works on bytes (latin1 maps each byte
 * to one char), so invalid UTF-8 survives unchanged.
 */
export function renderTemplate(text: string | Buffer, env: NodeJS.ProcessEnv, file: string, strict = false): Buffer {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text
  const parts: Buffer[] = []
  let last = 0
  const latin = bytes.toString('latin1')
  for (const m of latin.matchAll(TOKEN)) {
    const value = envValue(env, m[1])
    if (value === undefined) {
      if (strict) throw new ToolError(`${file}: variable ${m[1]} is not set`, 1)
      continue
    }
    parts.push(bytes.subarray(last, m.index), Buffer.from(value))
    last = m.index! + m[0].length
  }
  parts.push(bytes.subarray(last))
  return Buffer.concat(parts)
}

/** Stream version of renderTemplate: holds back a possible token split across chunks. */
function templateStream(env: NodeJS.ProcessEnv, file: string, strict: boolean): Transform {
  let pending: Buffer = Buffer.alloc(0)
  const split = (buf: Buffer): [Buffer, Buffer] => {
    const open = buf.lastIndexOf('{{')
    if (open < 0) return buf[buf.length - 1] === 0x7b ? [buf.subarray(0, -1), buf.subarray(-1)] : [buf, Buffer.alloc(0)]
    const tail = buf.subarray(open).toString('latin1')
    if (tail.length > MAX_PENDING_TOKEN || !/^\{\{[A-Za-z0-9_]*\}?$/.test(tail)) return [buf, Buffer.alloc(0)]
    return [buf.subarray(0, open), buf.subarray(open)]
  }
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      try {
        const [ready, rest] = split(Buffer.concat([pending, chunk]))
        pending = rest
        done(null, renderTemplate(ready, env, file, strict))
      } catch (err) {
        done(err as Error)
      }
    },
    flush(done) {
      try {
        done(null, renderTemplate(pending, env, file, strict))
      } catch (err) {
        done(err as Error)
      }
    },
  })
}

/** Render a whole file with handlebars: environment as context, unknown names are errors. */
export function renderHandlebars(text: string, env: NodeJS.ProcessEnv, file: string): string {
  // handlebars itself refuses prototype properties (`{{constructor}}` is unknown)
  const context = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined))
  try {
    return Handlebars.create().compile(text, { noEscape: true, strict: true })(context)
  } catch (err) {
    throw new ToolError(`${file}: bad template: ${(err as Error).message.split('\n')[0]}`, 1)
  }
}

async function lstatOrNull(path: string): Promise<Stats | null> {
  return lstat(path).catch(() => null)
}

/** Thrown by a stopping nulWatch: the file is binary, so it is copied as is instead. */
class BinaryFile extends Error {}

/** Passes chunks through and notes a NUL byte (a binary file is never templated); with `stop`, fails at the first. */
function nulWatch(stop: boolean): Transform & { sawNul: boolean } {
  const watch = Object.assign(
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        watch.sawNul ||= chunk.includes(0)
        done(stop && watch.sawNul ? new BinaryFile() : null, chunk)
      },
    }),
    { sawNul: false },
  )
  return watch
}

/** Mode bits kept on copies: permissions only (no setuid, setgid, sticky), as `cp` without `-p`. */
const PERMISSIONS = 0o777

async function copyFile(src: string, dst: string, info: Stats, opts: CopyOptions): Promise<void> {
  // A new file, never through a link or into an old file (its owner would stay).
  const old = await lstatOrNull(dst)
  if (old?.isDirectory()) throw new ToolError(`cannot replace directory ${dst} with a file`, 1)
  if (old) await unlink(dst)
  const env = opts.env ?? process.env
  try {
    if (opts.handlebars) await renderFile(src, dst, info, env)
    else if (opts.template) await templateFile(src, dst, env, !!opts.strict)
    else await rawCopy(src, dst)
  } catch (err) {
    await unlink(dst).catch(() => undefined)
    throw err
  }
  await chmod(dst, (info.mode & PERMISSIONS) | 0o200)
}

const newFile = (dst: string) => createWriteStream(dst, { flags: 'wx', mode: 0o600 })

function rawCopy(src: string, dst: string): Promise<void> {
  return pipeline(createReadStream(src), newFile(dst))
}

/** One read for text files; a NUL byte seen on the way starts over with a plain copy. */
async function templateFile(src: string, dst: string, env: NodeJS.ProcessEnv, strict: boolean): Promise<void> {
  try {
    await pipeline(createReadStream(src), nulWatch(true), templateStream(env, src, strict), newFile(dst))
  } catch (err) {
    if (!(err instanceof BinaryFile)) throw err
    await unlink(dst)
    await rawCopy(src, dst)
  }
}

async function renderFile(src: string, dst: string, info: Stats, env: NodeJS.ProcessEnv): Promise<void> {
  if (info.size > MAX_HANDLEBARS_FILE) return copyIfBinary(src, dst)
  const data = await readFile(src)
  const output = data.includes(0) ? data : renderHandlebars(data.toString('utf8'), env, src)
  await writeFile(dst, output, { flag: 'wx', mode: 0o600 })
}

/** A file too large to render: copied in one read when binary, else an error. */
async function copyIfBinary(src: string, dst: string): Promise<void> {
  const watch = nulWatch(false)
  await pipeline(createReadStream(src), watch, newFile(dst))
  if (!watch.sawNul) throw new ToolError(`${src}: too large for --handlebars (over 64 MiB)`, 1)
}

/** Make DST/x a real directory: a link or file there is replaced, never followed. */
async function ensureDir(to: string, mode: number): Promise<void> {
  const old = await lstatOrNull(to)
  if (old?.isDirectory()) return
  if (old) await unlink(to)
  await mkdir(to)
  await chmod(to, (mode & PERMISSIONS) | 0o700)
}

const warnStderr = (message: string) => process.stderr.write(`copy: warning: ${message}\n`)

/** Overlay SRC onto DST recursively (no recursion on the call stack); returns the number of files copied. */
export async function copyTree(src: string, dst: string, opts: CopyOptions = {}): Promise<number> {
  const warn = opts.warn ?? warnStderr
  let count = 0
  const todo: [string, string][] = [[src, dst]]
  while (todo.length) {
    const [fromDir, toDir] = todo.pop()!
    for (const entry of await readdir(fromDir)) {
      const from = join(fromDir, entry)
      const to = join(toDir, entry)
      const info = await lstat(from)
      if (info.isDirectory()) {
        await ensureDir(to, info.mode)
        todo.push([from, to])
      } else if (info.isSymbolicLink()) {
        const old = await lstatOrNull(to)
        if (old?.isDirectory()) throw new ToolError(`cannot replace directory ${to} with a link`, 1)
        if (old) await unlink(to)
        await symlink(await readlink(from), to)
        count++
      } else if (info.isFile()) {
        await copyFile(from, to, info, opts)
        count++
      } else {
        warn(`skipping ${from}: not a regular file, directory or link`)
      }
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

/** DST inside SRC (or the same directory) would copy the copy: refuse. */
export async function checkNotInside(src: string, dst: string): Promise<void> {
  const [s, d] = await Promise.all([realpath(src), realpath(dst)])
  if (d === s || d.startsWith(s.endsWith(sep) ? s : s + sep)) throw new ToolError(`destination ${dst} is inside source ${src}`, 2)
}

function parseCopyArgs(argv: readonly string[]) {
  const { args, command } = splitCommand(argv)
  const opts: CopyOptions = {}
  const dirs: string[] = []
  for (const arg of args) {
    if (arg === '-T' || arg === '--template') opts.template = true
    else if (arg === '--strict') opts.strict = true
    else if (arg === '--handlebars') opts.handlebars = true
    else if (arg.startsWith('-') && arg !== '-') throw usageError(`unknown option: ${arg}`, COPY_USAGE)
    else dirs.push(arg)
  }
  if (dirs.length !== 2) throw usageError('need SRC_DIR and DST_DIR', COPY_USAGE)
  if (opts.handlebars && opts.template) throw usageError('-T and --handlebars exclude each other', COPY_USAGE)
  return { opts, src: dirs[0], dst: dirs[1], command }
}

/** The `copy` tool: parse argv, copy, then run the command. Returns the exit code. */
export function copyMain(argv: readonly string[]): Promise<number> {
  return runTool('copy', async () => {
    const { opts, src, dst, command } = parseCopyArgs(argv)
    if (!(await isDir(src))) throw new ToolError(`source directory not found: ${src}`, 2)
    if (!(await isDir(dst))) throw new ToolError(`destination directory not found: ${dst}`, 2)
    await checkNotInside(src, dst)
    const n = await copyTree(src, dst, opts)
    process.stdout.write(`copy: ${src} -> ${dst} (${n} files)\n`)
    return command.length ? execCommand('copy', command) : 0
  })
}

// mdc (modular compose): resolve modes, merge their env files into ENV_FILE,
// overlay their files/ trees into MDC_FILES_DIR, then run docker compose.
import { existsSync, lstatSync, mkdirSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { ConlinkError, quote } from '../errors.js'
import { run } from '../exec.js'
import { isVerbose } from '../log.js'
import { copyTree } from '../tools/copy.js'
import { ToolError, execCommand } from '../tools/common.js'
import { displayPath, loadModeGraph, readText, splitDirs } from './modes.js'
import { resolveModes, splitModes, type ModeGraph } from './resolve.js'

export const MDC_USAGE = 'mdc [-n|--dry-run] MODES [COMPOSE-ARGS...]'
export const EMPTY_COMPOSE = './.compose-empty.yaml'
const COMPOSE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml']
const ENV_NAMES = ['env', '.env']

export interface MdcSettings {
  modesDirs: string[]
  envFile: string
  filesDir: string
  /** DOCKER_COMPOSE split into argv, if set. */
  dockerCompose?: string[]
  verbose: boolean
  dryRun: boolean
}

const truthy = (v: string | undefined) => !!v && !['0', 'false', 'no'].includes(v.toLowerCase())

export function mdcSettings(env: NodeJS.ProcessEnv = process.env): MdcSettings {
  const compose = env.DOCKER_COMPOSE?.trim()
  return {
    modesDirs: splitDirs(env.MODES_DIR || './modes'),
    envFile: env.ENV_FILE || '.env',
    filesDir: env.MDC_FILES_DIR || './.files',
    dockerCompose: compose ? compose.split(/\s+/) : undefined,
    verbose: truthy(env.VERBOSE),
    dryRun: truthy(env.MDC_DRY_RUN),
  }
}

export interface MdcPlan {
  modes: string[]
  composeFiles: string[]
  /** Full new content of ENV_FILE. */
  envText: string
  /** Content of ./.compose-empty.yaml. */
  emptyCompose: string
  /** `<mode>/<sub>/files/` -> `MDC_FILES_DIR/<sub>/`, in overlay order. */
  copies: { from: string; to: string }[]
}

const firstExisting = (dir: string, names: string[]) =>
  names.map((n) => join(dir, n)).find((p) => existsSync(p))

const VERSION_LINE = /^version:\s*["']?([0-9][0-9.]*)["']?\s*(#.*)?$/m

/**
 * `services: {}`, with the `version` of the first mode compose file that has
 * one: Compose v1 reads a version-less file with no services as the old v1
 * format and refuses to merge it with a "2.4" file (v2 ignores `version`).
 */
export function emptyComposeText(composeFiles: string[]): string {
  for (const file of composeFiles) {
    const version = readText(file).match(VERSION_LINE)?.[1]
    if (version) return `version: "${version}"\nservices: {}\n`
  }
  return 'services: {}\n'
}

export const modeVar = (mode: string) => `MDC_MODE_${mode.replace(/[^A-Za-z0-9]/g, '_')}`

/** Everything mdc will write, computed without touching the file system. */
export function planMdc(requested: string[], settings: MdcSettings, graph: ModeGraph = loadModeGraph(settings.modesDirs)): MdcPlan {
  const modes = resolveModes(requested, graph)
  const composeFiles = [EMPTY_COMPOSE]
  const copies: MdcPlan['copies'] = []
  const lines = [`# Written by mdc for modes: ${modes.join(',')} (rewritten on every run, do not edit)`, '']
  const modeDirs: string[] = []
  for (const mode of modes) {
    lines.push(`${modeVar(mode)}=enabled`)
    const dir = graph.get(mode)?.dir
    if (!dir) continue
    modeDirs.push(dir)
    const composeFile = firstExisting(dir, COMPOSE_NAMES)
    if (composeFile) composeFiles.push(displayPath(composeFile))
    for (const name of ENV_NAMES) {
      const file = displayPath(dir, name)
      if (!lstatOrNull(file)) continue
      checkLinkInside(file, dir)
      const text = readText(file)
      lines.push(`# mdc: begin mode ${mode} file ${file}`, text.replace(/\n?$/, ''), `# mdc: end mode ${mode} file ${file}`)
    }
    for (const sub of readdirSync(dir, { withFileTypes: true })) {
      const from = join(dir, sub.name, 'files')
      if (!sub.isDirectory() || !lstatOrNull(from)) continue
      checkLinkInside(from, dir)
      if (existsSync(from)) copies.push({ from, to: join(settings.filesDir, sub.name) })
    }
  }
  lines.push(
    '',
    `COMPOSE_FILE=${composeFiles.join(':')}`,
    `COMPOSE_DIR=${dirname(resolve(settings.envFile))}`,
    `COMPOSE_PROFILES=${modes.map((m) => `MODE_${m}`).join(',')}`,
    `MDC_MODE_DIRS=${modeDirs.join(',')}`,
    '',
  )
  const emptyCompose = emptyComposeText(composeFiles.slice(1))
  return { modes, composeFiles, envText: lines.join('\n'), emptyCompose, copies }
}

function lstatOrNull(path: string) {
  try {
    return lstatSync(path)
  } catch {
    return null
  }
}

const isInside = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep)

/**
 * A mode's env file or files/ directory that is a link must stay inside the
 * modes directory (a cloned repository could otherwise make mdc read or copy
 * any file of the user's).
 */
function checkLinkInside(path: string, modeDir: string): void {
  if (!lstatOrNull(path)?.isSymbolicLink()) return
  const modesDir = realpathSync(dirname(modeDir))
  let target: string | undefined
  try {
    target = realpathSync(path)
  } catch {
    /* a dangling link: refused below */
  }
  if (target === undefined || !isInside(target, modesDir)) {
    throw new ConlinkError(`refusing to read ${path}: it is a link to ${target ?? 'nothing'}, outside the modes directory ${dirname(modeDir)}`, {
      place: { file: path },
      hint: 'replace the link with a real file or directory',
    })
  }
}

/**
 * MDC_FILES_DIR gets emptied: never a link (its target would be emptied),
 * `.`, `/`, the current directory or one of its parents (also after
 * resolving links).
 */
export function checkFilesDir(filesDir: string, cwd = process.cwd()): void {
  const refuse = (why: string) =>
    new ConlinkError(`refusing to empty MDC_FILES_DIR=${filesDir} (${why})`, { place: { path: 'MDC_FILES_DIR' }, hint: 'use a dedicated directory such as ./.files' })
  const abs = resolve(cwd, filesDir)
  const info = lstatOrNull(abs)
  if (info?.isSymbolicLink()) throw refuse('it is a symbolic link; mdc never empties the directory a link points to')
  if (info && !info.isDirectory()) throw refuse('it is not a directory')
  const realCwd = realpathSync(cwd)
  for (const [dir, here] of info ? [[abs, cwd], [realpathSync(abs), realCwd]] : [[abs, cwd]]) {
    if (dir === '/') throw refuse('it is the root directory')
    if (isInside(here, dir)) throw refuse('it is the current directory or a parent of it')
  }
}

/** Write a new file next to FILE, then rename it over FILE: a link at FILE is replaced, never followed. */
function writeAtomic(file: string, text: string): void {
  const tmp = join(dirname(file), `.${file.split('/').pop()}.mdc-${process.pid}.tmp`)
  rmSync(tmp, { force: true })
  writeFileSync(tmp, text, { flag: 'wx' })
  renameSync(tmp, file)
}

/** Write ENV_FILE, the empty compose file and MDC_FILES_DIR. */
export async function applyMdc(plan: MdcPlan, settings: MdcSettings): Promise<void> {
  checkFilesDir(settings.filesDir)
  if (existsSync(settings.filesDir)) {
    for (const entry of readdirSync(settings.filesDir)) rmSync(join(settings.filesDir, entry), { recursive: true, force: true })
  }
  for (const { from, to } of plan.copies) {
    mkdirSync(to, { recursive: true })
    try {
      await copyTree(from, to)
    } catch (err) {
      if (err instanceof ToolError) throw new ConlinkError(err.message, { place: { file: from }, hint: 'two modes ship different kinds of entry (file, link, directory) at one path' })
      throw err
    }
  }
  writeAtomic(EMPTY_COMPOSE, plan.emptyCompose)
  writeAtomic(settings.envFile, plan.envText)
}

/**
 * With the `conlink` mode, the network container sees only COMPOSE_DIR
 * (mounted at the same path): compose files outside it cannot be read there.
 */
export function filesOutsideComposeDir(plan: MdcPlan, settings: MdcSettings, cwd = process.cwd()): string[] {
  if (!plan.modes.includes('conlink')) return []
  const composeDir = dirname(resolve(cwd, settings.envFile))
  return plan.composeFiles.filter((f) => {
    const rel = relative(composeDir, resolve(cwd, f))
    return rel.startsWith('..') || isAbsolute(rel)
  })
}

/** DOCKER_COMPOSE, else `docker compose` if it answers, else `docker-compose`. */
export async function composeCommand(settings: MdcSettings): Promise<string[]> {
  if (settings.dockerCompose) return settings.dockerCompose
  const v2 = await run(['docker', 'compose', 'version'], { allowFailure: true }).catch(() => null)
  return v2?.exitCode === 0 ? ['docker', 'compose'] : ['docker-compose']
}

export interface MdcArgs {
  help: boolean
  dryRun: boolean
  modes: string[]
  composeArgs: string[]
}

const MODE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/

/** Only options before MODES are mdc's; everything after MODES goes to compose (a leading `--` is dropped). */
export function parseMdcArgs(argv: readonly string[]): MdcArgs {
  const out: MdcArgs = { help: false, dryRun: false, modes: [], composeArgs: [] }
  let i = 0
  for (; i < argv.length && argv[i].startsWith('-'); i++) {
    const arg = argv[i]
    if (arg === '-h' || arg === '--help') out.help = true
    else if (arg === '-n' || arg === '--dry-run') out.dryRun = true
    else throw new ConlinkError(`unknown option before MODES: ${arg}`, { hint: `usage: ${MDC_USAGE}`, exitCode: 2 })
  }
  if (out.help) return out
  if (i >= argv.length) throw new ConlinkError('missing MODES', { hint: `usage: ${MDC_USAGE}`, exitCode: 2 })
  out.modes = splitModes(argv[i])
  // mode names end up in ENV_FILE lines (COMPOSE_PROFILES, MDC_MODE_*): keep them plain words
  const odd = out.modes.find((mode) => !MODE_NAME.test(mode))
  if (odd) throw new ConlinkError(`bad mode name: ${quote(odd)}`, { hint: 'mode names are letters, digits, `_`, `.` and `-`', exitCode: 2 })
  out.composeArgs = argv.slice(i + 1)
  if (out.composeArgs[0] === '--') out.composeArgs.shift()
  return out
}

/** The whole mdc command; returns the exit code. */
export async function mdcMain(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const args = parseMdcArgs(argv)
  if (args.help) {
    process.stdout.write(`usage: ${MDC_USAGE}\n`)
    return 0
  }
  const settings = mdcSettings(env)
  settings.dryRun ||= args.dryRun
  settings.verbose ||= isVerbose()
  const plan = planMdc(args.modes, settings)
  checkFilesDir(settings.filesDir)
  process.stderr.write(`MODES: ${plan.modes.join(' ')}\n`)
  for (const file of filesOutsideComposeDir(plan, settings)) {
    process.stderr.write(`mdc: warning: ${file} is outside COMPOSE_DIR (${dirname(resolve(settings.envFile))}): the conlink network container cannot read it; keep MODES_DIR under that directory\n`)
  }
  const compose = args.composeArgs.length
    ? [...(await composeCommand(settings)), '--env-file', settings.envFile, ...args.composeArgs]
    : []
  if (settings.dryRun) {
    const out = [`mdc: would write ${settings.envFile}:`, plan.envText, `mdc: would write ${EMPTY_COMPOSE}:`, plan.emptyCompose.trimEnd()]
    out.push(`mdc: would empty ${settings.filesDir}`)
    for (const c of plan.copies) out.push(`mdc: would copy ${c.from}/ -> ${c.to}/`)
    if (compose.length) out.push(`mdc: would run: ${compose.join(' ')}`)
    process.stdout.write(out.join('\n') + '\n')
    return 0
  }
  await applyMdc(plan, settings)
  if (settings.verbose) {
    process.stderr.write(`mdc: wrote ${settings.envFile} (COMPOSE_FILE=${plan.composeFiles.join(':')})\n`)
    for (const c of plan.copies) process.stderr.write(`mdc: copied ${c.from}/ -> ${c.to}/\n`)
  }
  return compose.length ? execCommand('mdc', compose) : 0
}

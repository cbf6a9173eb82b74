// Compose-style environment interpolation on every string value:
// $VAR ${VAR} ${VAR:-default} ${VAR-default} ${VAR:+alt} ${VAR+alt}
// ${VAR:?message} ${VAR?message} and $$ for a literal $.
import { ConlinkError, quote } from '../errors.js'
import type { Origin } from './types.js'
import { isMap } from './load.js'
import { TaggedValue } from './shape.js'
import type { MergedConfig, Sourced } from './merge.js'
import { SECTIONS, setOwn } from './merge.js'

export type Env = Record<string, string | undefined>

export interface InterpolationResult {
  warnings: string[]
  errors: ConlinkError[]
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/
/** `${A:-${B:-...}}` nested deeper than this is an error (no unbounded recursion). */
export const MAX_NESTING = 32

/** Interpolate one string; `where` names the file and path for warnings and errors. */
export function interpolateString(s: string, env: Env, where: Origin, out: InterpolationResult): string {
  if (!s.includes('$')) return s
  let result = ''
  let i = 0
  while (i < s.length) {
    const c = s[i]
    if (c !== '$') {
      result += c
      i++
    } else if (s[i + 1] === '$') {
      result += '$'
      i += 2
    } else if (s[i + 1] === '{') {
      const end = closingBrace(s, i + 2)
      if (end === TOO_DEEP) {
        out.errors.push(new ConlinkError(`\`\${\` nested more than ${MAX_NESTING} deep in ${quote(s)}`, { place: where, hint: 'nest fewer defaults' }))
        return s
      }
      if (end < 0) {
        out.errors.push(new ConlinkError(`unclosed \`\${\` in ${quote(s)}`, { place: where, hint: 'write `$$` for a literal `$`' }))
        return s
      }
      result += expandBraced(s.slice(i + 2, end), env, where, out)
      i = end + 1
    } else {
      const name = NAME.exec(s.slice(i + 1))?.[0]
      if (name) {
        result += lookupBare(name, env, where, out)
        i += 1 + name.length
      } else {
        result += '$'
        i++
      }
    }
  }
  return result
}

const TOO_DEEP = -2

/** Index of the `}` closing a `${` (-1: none; TOO_DEEP: nested past MAX_NESTING). */
function closingBrace(s: string, from: number): number {
  let depth = 1
  for (let i = from; i < s.length; i++) {
    if (s[i] === '$' && s[i + 1] === '{') {
      if (++depth > MAX_NESTING) return TOO_DEEP
      i++
    } else if (s[i] === '}' && --depth === 0) return i
  }
  return -1
}

function lookupBare(name: string, env: Env, where: Origin, out: InterpolationResult): string {
  const value = env[name]
  if (value !== undefined) return value
  out.warnings.push(`${where.file}: ${where.path}: variable ${name} is not set, using an empty string`)
  return ''
}

function expandBraced(body: string, env: Env, where: Origin, out: InterpolationResult): string {
  const name = NAME.exec(body)?.[0]
  if (!name) {
    out.errors.push(new ConlinkError(`invalid interpolation \`\${${body}}\``, { place: where, hint: 'use ${NAME}, ${NAME:-default} or ${NAME:?message}' }))
    return ''
  }
  const rest = body.slice(name.length)
  if (rest === '') return lookupBare(name, env, where, out)
  const op = /^(:?[-?+])/.exec(rest)?.[1]
  if (!op) {
    out.errors.push(new ConlinkError(`invalid interpolation \`\${${body}}\``, { place: where, hint: 'use ${NAME}, ${NAME:-default} or ${NAME:?message}' }))
    return ''
  }
  const arg = () => interpolateString(rest.slice(op.length), env, where, out)
  const value = env[name]
  const unset = op.startsWith(':') ? value === undefined || value === '' : value === undefined
  switch (op.replace(':', '')) {
    case '-':
      return unset ? arg() : value!
    case '+':
      return unset ? '' : arg()
    default: {
      if (!unset) return value!
      const message = arg() || `variable ${name} is required`
      out.errors.push(new ConlinkError(`${message} (variable ${name} is ${value === undefined ? 'not set' : 'empty'})`, { place: where, hint: `set ${name} in the environment` }))
      return ''
    }
  }
}

/** Interpolate every string inside a value (lists and maps walked; keys left as they are). */
export function interpolateValue(value: unknown, env: Env, where: Origin, out: InterpolationResult): unknown {
  if (typeof value === 'string') return interpolateString(value, env, where, out)
  // `!reset` / `!override` markers on link keys; their meaning is given when links merge
  if (value instanceof TaggedValue) return new TaggedValue(value.tag, interpolateValue(value.value, env, where, out))
  if (Array.isArray(value)) return value.map((v, i) => interpolateValue(v, env, { ...where, path: `${where.path}[${i}]` }, out))
  if (isMap(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateValue(v, env, { ...where, path: `${where.path}.${k}` }, out)]))
  }
  return value
}

function interpolateSourced(item: Sourced, env: Env, out: InterpolationResult): Sourced {
  return { ...item, value: interpolateValue(item.value, env, item.origin, out) }
}

/** Interpolate the whole merged config. Errors and warnings are collected, not thrown. */
export function interpolateMerged(merged: MergedConfig, env: Env = process.env): { merged: MergedConfig; warnings: string[]; errors: ConlinkError[] } {
  const out: InterpolationResult = { warnings: [], errors: [] }
  const result: MergedConfig = { links: [], bridges: [], tunnels: [], commands: [], other: {} }
  for (const s of SECTIONS) result[s] = merged[s].map((item) => interpolateSourced(item, env, out))
  for (const [k, item] of Object.entries(merged.other)) setOwn(result.other, k, interpolateSourced(item, env, out))
  return { merged: result, ...out }
}

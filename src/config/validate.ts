// Validation of the merged, interpolated config against the JSON Schema
// (schema/conlink.schema.json, the one source of truth, also shipped for
// editors; compiled into schema-validator.gen.ts). ajv errors become ConlinkErrors naming file, path and a fix.
import type { ErrorObject, ValidateFunction } from 'ajv'
import { ConlinkError, quote } from '../errors.js'
import type { Origin } from './types.js'
import type { MergedConfig, Sourced } from './merge.js'
import { SECTIONS, originOfKey, originOfListItem, setOwn } from './merge.js'
import { cidrProblem } from './address.js'
import { FORMATS } from './formats.js'
import { validate } from './schema-validator.gen.js'

const schemaValidator = validate as unknown as ValidateFunction

/** Characters allowed in route, netem and ethtool strings (the schema's patterns say the same). */
const ARG_CHAR = /[A-Za-z0-9_.:/@%+=, -]/

const NUMERIC_KEYS = ['mtu', 'vlanid', 'vni', 'port']

/** Interpolated numbers arrive as strings ("${MTU:-1500}"): accept decimal strings for numeric keys. */
function coerceNumbers(items: Sourced[]): void {
  for (const { value } of items) {
    if (typeof value !== 'object' || value === null) continue
    const v = value as Record<string, unknown>
    for (const k of NUMERIC_KEYS) if (typeof v[k] === 'string' && /^\d+$/.test(v[k] as string)) v[k] = Number(v[k])
  }
}

/** The plain document the schema sees (and enrich consumes). */
export function mergedDocument(merged: MergedConfig): Record<string, unknown> {
  const doc: Record<string, unknown> = {}
  for (const s of SECTIONS) doc[s] = merged[s].map((i) => i.value)
  for (const [k, item] of Object.entries(merged.other)) setOwn(doc, k, item.value)
  return doc
}

/** Validate the merged config; returns every problem found (empty when valid). Numeric strings are coerced in place. */
export function validateMerged(merged: MergedConfig): ConlinkError[] {
  coerceNumbers(merged.links)
  coerceNumbers(merged.tunnels)
  if (schemaValidator(mergedDocument(merged))) return checkArgWords(merged)
  const raw = schemaValidator.errors ?? []
  const badType = new Set(raw.filter((e) => /^\/links\/\d+\/type$/.test(e.instancePath)).map((e) => e.instancePath.replace(/\/type$/, '')))
  const seen = new Set<string>()
  const out: ConlinkError[] = []
  for (const e of raw) {
    if (e.keyword === 'if') continue
    // An unknown link type makes every type-dependent rule noise: report only the type.
    if (badType.has(e.instancePath.replace(/^(\/links\/\d+).*/, '$1')) && e.schemaPath.includes('/allOf/') && !e.instancePath.endsWith('/type')) continue
    const err = translate(e, merged)
    const key = err.describe()
    if (!seen.has(key)) {
      seen.add(key)
      out.push(err)
    }
  }
  return out
}

/** Most words one `route` or `netem` value may have: `ip -batch` and `tc -batch` take at most 100 per line. */
export const MAX_ARG_WORDS = 64
/** Words that make ip and tc print their help (they match abbreviations of `help`) and stop a batch. */
const HELP_WORD = /^h(e(lp?)?)?$/

/** `route` and `netem` words that would stop a whole batch halfway: refused here instead. */
function checkArgWords(merged: MergedConfig): ConlinkError[] {
  const out: ConlinkError[] = []
  for (const section of ['links', 'tunnels'] as const) {
    for (const item of merged[section]) {
      const value = item.value as Record<string, unknown>
      for (const key of ['route', 'netem']) {
        const list = typeof value[key] === 'string' ? [value[key]] : Array.isArray(value[key]) ? (value[key] as unknown[]) : []
        list.forEach((entry, i) => {
          if (typeof entry !== 'string') return
          const origin = originOfKey(item, key)
          const place = { file: origin.file, path: Array.isArray(value[key]) ? `${origin.path}[${i}]` : origin.path }
          const words = entry.trim().split(/\s+/)
          const help = words.find((w) => HELP_WORD.test(w))
          if (help) out.push(new ConlinkError(`${show(entry)}: the word \`${help}\` makes ${key === 'route' ? 'ip' : 'tc'} print its help instead`, { place, hint: 'remove it' }))
          else if (words.length > MAX_ARG_WORDS) out.push(new ConlinkError(`${show(entry)} has ${words.length} words, more than the ${MAX_ARG_WORDS} allowed`, { place, hint: `split it into several ${key} entries` }))
        })
      }
    }
  }
  return out
}

/** Where an ajv instance path (plus an optional extra key) was written. */
function placeOf(instancePath: string, merged: MergedConfig, extraKey?: string): Origin {
  const parts = instancePath.split('/').slice(1).concat(extraKey === undefined ? [] : [extraKey])
  const [first, index, key, ...rest] = parts
  const section = SECTIONS.find((s) => s === first)
  const item = section && index !== undefined ? merged[section][Number(index)] : undefined
  if (!item) {
    const top = first !== undefined && Object.hasOwn(merged.other, first) ? merged.other[first] : undefined
    return top ? { file: top.origin.file, path: top.origin.path + suffix(parts.slice(1)) } : { file: '', path: parts.join('.') }
  }
  const element = key !== undefined && /^\d+$/.test(rest[0] ?? '') ? originOfListItem(item, key, Number(rest[0])) : undefined
  if (element) return { file: element.file, path: element.path + suffix(rest.slice(1)) }
  const origin = originOfKey(item, key)
  return { file: origin.file, path: origin.path + suffix(rest) }
}

function suffix(parts: string[]): string {
  return parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('')
}

const show = quote

function translate(e: ErrorObject, merged: MergedConfig): ConlinkError {
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>
  const hint = parent['x-hint'] as string | undefined
  const p = e.params as Record<string, unknown>
  const at = (extra?: string) => ({ place: placeOf(e.instancePath, merged, extra) })
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(p.additionalProperty).slice(0, 200)
      const allowed = Object.keys((parent.properties ?? {}) as object).join(', ')
      const what = e.instancePath === '' ? 'unknown top-level key' : 'unknown property'
      return new ConlinkError(`${what} \`${key}\``, { ...at(key), hint: `allowed: ${allowed}` })
    }
    case 'required':
      return new ConlinkError(String(parent['x-message'] ?? `missing \`${String(p.missingProperty)}\``), { ...at(), hint })
    case 'not':
      return new ConlinkError(String(parent['x-message'] ?? e.message), { ...at(), hint })
    case 'format': {
      const f = FORMATS[String(p.format)]
      const value = String(e.data)
      const problem = p.format === 'cidr' ? cidrProblem(value) : undefined
      if (problem) return new ConlinkError(`IP address ${show(value)} ${problem.what}`, { ...at(), hint: problem.hint })
      return new ConlinkError(`invalid ${f?.what ?? p.format} ${show(e.data)}`, { ...at(), hint: f?.hint })
    }
    case 'pattern': {
      const bad = [...String(e.data)].find((c) => !ARG_CHAR.test(c))
      if (bad === undefined) return new ConlinkError(`${show(e.data)} must start with an ethtool option such as --offload or -K`, { ...at(), hint })
      const shown = bad === '\n' ? 'a newline' : /[\x00-\x1f\x7f]/.test(bad) ? 'a control character' : `\`${bad}\``
      return new ConlinkError(`${show(e.data)} contains ${shown}, which is not allowed`, { ...at(), hint })
    }
    case 'enum':
      return new ConlinkError(`${show(e.data)} is not one of ${(p.allowedValues as unknown[]).join(', ')}`, at())
    case 'type':
      return new ConlinkError(`${show(e.data)} must be ${String(p.type).replace(',', ' or ')}`, at())
    case 'minLength':
    case 'minItems':
      return new ConlinkError('must not be empty', { ...at(), hint: 'an unset variable may have made it empty' })
    case 'minimum':
    case 'maximum':
      return new ConlinkError(`${show(e.data)} is out of range: must be ${String(p.comparison)} ${String(p.limit)}`, at())
    default:
      return new ConlinkError(e.message ?? e.keyword, { ...at(), hint })
  }
}

// Upstream's `--config-schema FILE`: validate the merged, interpolated
// document (before links are combined, as upstream does) against a schema
// the user gives, in addition to conlink's own schema.
import { Ajv } from 'ajv'
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats'
import { ConlinkError } from '../errors.js'
import { readYamlFile } from './load.js'
import { SECTIONS, type MergedConfig } from './merge.js'
import { mergedDocument } from './validate.js'
import type { Origin } from './types.js'

const addFormats: FormatsPlugin = (addFormatsModule as unknown as { default: FormatsPlugin }).default

/** Errors for every place the merged config breaks the schema in schemaFile (YAML or JSON). */
export function validateAgainstSchemaFile(merged: MergedConfig, schemaFile: string): ConlinkError[] {
  const schema = readYamlFile(schemaFile)
  // Formats this ajv does not know (conlink's own cidr, ifname...) are ignored: conlink's schema checks them anyway.
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false, allowUnionTypes: true })
  addFormats(ajv)
  let validate
  try {
    validate = ajv.compile(schema as object)
  } catch (e) {
    throw new ConlinkError(`not a usable JSON Schema: ${(e as Error).message}`, { place: { file: schemaFile }, hint: 'check the --config-schema file' })
  }
  if (validate(mergedDocument(merged))) return []
  return (validate.errors ?? []).map(
    (e) =>
      new ConlinkError(`${e.message ?? 'invalid'} (schema ${schemaFile}${e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : ''})`, {
        place: placeOfPointer(merged, e.instancePath),
        hint: 'the config does not match the --config-schema file',
      }),
  )
}

/** `/links/3/ip` -> where links[3] was written, plus `.ip`. */
function placeOfPointer(merged: MergedConfig, pointer: string): Origin {
  const [first, index, ...rest] = pointer.split('/').slice(1)
  const section = SECTIONS.find((s) => s === first)
  const item = section && index !== undefined ? merged[section][Number(index)] : undefined
  const tail = rest.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('')
  if (item) return { file: item.origin.file, path: item.origin.path + tail }
  return { file: '', path: pointer.split('/').slice(1).join('.') || '(top level)' }
}

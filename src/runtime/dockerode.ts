// dockerode, loaded once and only when an engine is needed. Its import pulls
// in ssh2 (for ssh:// engines), gRPC (for BuildKit sessions) and protobufjs
// (BuildKit build status): about two thirds of its load time, and conlink
// only talks to Unix sockets and never builds images. Those modules are replaced by stubs that fail if ever called.
import { createRequire, Module } from 'node:module'
import type Docker from 'dockerode'

/** dockerode's dependencies conlink never uses, replaced by stubs (also in the bundle: scripts/bundle-lean.mjs). */
export const STUBBED_MODULES = ['ssh2', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs'] as const
/** What a stub's every property throws, after `module.property `. */
export const STUB_MESSAGE = 'is not available in conlink (only Unix-socket engines are supported)'

let loaded: Promise<typeof Docker> | undefined

/** The dockerode class (stubbing its ssh and gRPC dependencies first). */
export function loadDockerode(): Promise<typeof Docker> {
  return (loaded ??= (stubUnusedDependencies(), import('dockerode').then((m) => m.default)))
}

function stubUnusedDependencies(): void {
  try {
    const fromDockerode = createRequire(createRequire(import.meta.url).resolve('dockerode'))
    const fromModem = createRequire(fromDockerode.resolve('docker-modem'))
    for (const name of STUBBED_MODULES) stub(name === 'ssh2' ? fromModem : fromDockerode, name)
  } catch {
    // another layout (a bundle, a different dockerode): load everything as is
  }
}

function stub(from: NodeJS.Require, name: string): void {
  const path = from.resolve(name)
  if (from.cache[path]) return
  const m = new Module(path)
  m.loaded = true
  m.exports = new Proxy({}, {
    get: (_, key) => () => {
      throw new Error(`${name}.${String(key)} ${STUB_MESSAGE}`)
    },
  })
  from.cache[path] = m
}

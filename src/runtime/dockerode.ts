// dockerode, loaded once and only when an engine is needed. Its import pulls
// in ssh2 (for ssh:// engines), gRPC (for BuildKit sessions) and protobufjs
// (BuildKit build status): about two thirds of its load time, and conlink
// only talks to Unix sockets and never builds images. Those modules are replaced by stubs that fail if ever called.
import { createRequire, Module } from 'node:module'
import type Docker from 'dockerode'

let loaded: Promise<typeof Docker> | undefined

/** The dockerode class (stubbing its ssh and gRPC dependencies first). */
export function loadDockerode(): Promise<typeof Docker> {
  return (loaded ??= (stubUnusedDependencies(), import('dockerode').then((m) => m.default)))
}

function stubUnusedDependencies(): void {
  try {
    const fromDockerode = createRequire(createRequire(import.meta.url).resolve('dockerode'))
    const fromModem = createRequire(fromDockerode.resolve('docker-modem'))
    stub(fromModem, 'ssh2')
    stub(fromDockerode, '@grpc/grpc-js')
    stub(fromDockerode, '@grpc/proto-loader')
    stub(fromDockerode, 'protobufjs')
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
      throw new Error(`${name}.${String(key)} is not available in conlink (only Unix-socket engines are supported)`)
    },
  })
  from.cache[path] = m
}

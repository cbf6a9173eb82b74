// `npm run build`, after tsc: dist/lean/conlink-lean.mjs (and its chunks), `conlink up` and `conlink config` in one file
// (esbuild), so the network container's node starts it without resolving and
// compiling some 600 module files. dockerode's ssh (ssh2) and BuildKit
// session (gRPC, protobufjs) dependencies become stubs that fail if ever called: conlink
// talks to Unix sockets only and never builds images (the list and message are
// src/runtime/dockerode.ts's, which stubs them when not bundled). typescript stays out: oclif loads it only to run
// .ts commands in development. Other node_modules are bundled.
import { rmSync } from 'node:fs'
import { build } from 'esbuild'
import { STUBBED_MODULES, STUB_MESSAGE } from '../dist/src/runtime/dockerode.js'

const escaped = STUBBED_MODULES.map((name) => name.replace(/[/.@-]/g, '\\$&'))
const STUBBED = new RegExp(`^(${escaped.join('|')})$`)

const stubs = {
  name: 'conlink-stubs',
  setup(b) {
    b.onResolve({ filter: STUBBED }, (args) => ({ path: args.path, namespace: 'conlink-stub' }))
    b.onLoad({ filter: /.*/, namespace: 'conlink-stub' }, (args) => ({
      loader: 'js',
      contents: `module.exports = new Proxy({}, { get: (_, key) => () => { throw new Error(${JSON.stringify(args.path)} + '.' + String(key) + ${JSON.stringify(' ' + STUB_MESSAGE)}) } })`,
    }))
  },
}

rmSync('dist/lean', { recursive: true, force: true })
await build({
  entryPoints: { 'conlink-lean': 'src/lean-entry.ts' },
  outdir: 'dist/lean',
  outExtension: { '.js': '.mjs' },
  // what only `up` runs (the engine, dockerode) is a chunk of its own, loaded when `up` runs it
  splitting: true,
  chunkNames: 'chunk-[hash]',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['typescript'],
  plugins: [stubs],
  // CommonJS modules in the bundle call require() for node's own modules
  banner: { js: "import { createRequire as conlinkCreateRequire } from 'node:module'; const require = conlinkCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
})

#!/usr/bin/env node
// Upstream conlink's entry point, /app/build/conlink.js in the image (a link
// to this file): the same as `conlink up ARGS...`, started without loading
// the other commands (bin/lean-up.js).
import { leanUp } from './lean-up.js'

const args = process.argv.slice(2)
await leanUp(args, async () => (await import('@oclif/core')).execute({ dir: import.meta.url, args: ['up', ...args] }))

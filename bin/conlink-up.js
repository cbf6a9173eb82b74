#!/usr/bin/env node
// Upstream conlink's entry point, /app/build/conlink.js in the image (a link
// to this file): the same as `conlink up ARGS...`, started without loading
// the other commands (bin/lean.js).
import { runCommand } from './lean.js'

const args = process.argv.slice(2)
await runCommand('up', args, async () => (await import('@oclif/core')).execute({ dir: import.meta.url, args: ['up', ...args] }))

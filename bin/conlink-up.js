#!/usr/bin/env node
// Upstream conlink's entry point, /app/build/conlink.js in the image (a link
// to this file): the same as `conlink up ARGS...`.
import { execute } from '@oclif/core'

await execute({ dir: import.meta.url, args: ['up', ...process.argv.slice(2)] })

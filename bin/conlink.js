#!/usr/bin/env node
// `conlink up` (the network container's long-running command) starts without
// loading every other command (bin/lean-up.js); the rest through oclif.
const [command, ...args] = process.argv.slice(2)
const fullPath = async () => (await import('@oclif/core')).execute({ dir: import.meta.url })
if (command === 'up') await (await import('./lean-up.js')).leanUp(args, fullPath)
else await fullPath()

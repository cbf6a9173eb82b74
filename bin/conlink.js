#!/usr/bin/env node
// `conlink up` (the network container's long-running command) and `conlink
// config` start without loading every other command (bin/lean.js); the rest
// through oclif.
const [command, ...args] = process.argv.slice(2)
const fullPath = async () => (await import('@oclif/core')).execute({ dir: import.meta.url })
if (command === 'up' || command === 'config') await (await import('./lean.js')).runCommand(command, args, fullPath)
else await fullPath()

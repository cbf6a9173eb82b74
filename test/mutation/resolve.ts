// Mutation testing entry for resolve (scripts/mutate.sh): these test files in one process, so each mutant costs one node start.
await import('../unit/resolve-deps.test.js')
await import('../unit/mutants-resolve.test.js')

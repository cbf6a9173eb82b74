// Mutation testing entry for executor (scripts/mutate.sh): these test files in one process, so each mutant costs one node start.
await import('../unit/net-executor.test.js')
await import('../unit/net-executor-attribution.test.js')
await import('../unit/net-plan.test.js')
await import('../unit/net-runner.test.js')
// the live attribution tests need root and namespaces: run this module under the shared lock
if (process.getuid?.() === 0 && !process.env.MUTATE_UNIT_ONLY) await import('../net/attribution.test.js')

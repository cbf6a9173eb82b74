// Mutation testing entry for graph (scripts/mutate.sh): these test files in one process, so each mutant costs one node start.
await import('../unit/graph-dot.test.js')
await import('../unit/graph-html.test.js')
await import('../unit/graph-input.test.js')
await import('../unit/mutants-graph.test.js')

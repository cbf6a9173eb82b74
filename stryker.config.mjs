// Mutation testing (npm run mutate): StrykerJS with the tap runner over node's
// test runner. One module per run (MUTATE_MODULE); scripts/mutate.sh runs
// them one after another.
// Concurrency 1: the machine is shared.
// Each module's tests are listed in test/mutation/<module>.ts (imported into
// one process, so a mutant costs one node start, not one per test file).
const MODULES = {
  config: ['src/config/**/*.ts', '!src/config/*.gen.ts'],
  resolve: ['src/compose/resolve.ts'],
  // parsing and attribution (kernel-errors.ts reads the programs' stderr);
  // its live attribution tests need root and namespaces: run under the shared lock
  executor: ['src/net/executor.ts', 'src/net/kernel-errors.ts'],
  graph: ['src/graph/**/*.ts'],
}
const name = process.env.MUTATE_MODULE ?? 'graph'
const mutate = MODULES[name]
if (!mutate) throw new Error(`MUTATE_MODULE must be one of ${Object.keys(MODULES).join(', ')}`)

export default {
  testRunner: 'tap',
  tap: { testFiles: [`test/mutation/${name}.ts`], nodeArgs: ['--import', 'tsx'], forceBail: true },
  mutate,
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 15_000,
  reporters: ['clear-text', 'json', 'progress'],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  // tsx runs the sources without type checks; Stryker's rewriting of `// @ts-` comments would also change the generated schema validator
  disableTypeChecks: false,
  tempDirName: `.stryker-tmp-${name}`,
  cleanTempDir: 'always',
  ignorePatterns: ['dist', 'reports', '.stryker-tmp*', 'examples/**/.files'],
  thresholds: { high: 90, low: 80, break: null },
}

/**
 * @maxhub/testing — test helpers that need no running hub: the test configuration, unique
 * names, test data (keys, the weld log), Nest module graphs, the built CLI and child processes.
 * The in-process hub (TestContext) and the factories that go through it boot apps, so they live
 * in test/support.
 */
export { testConfig, uniq } from './config';
export { CANARY, newKeyAndCsr, WELD_COLUMNS, weldCsv, weldGrantTerms } from './fixtures';
export type { TestDatasetVersion, TestSigner } from './fixtures';
export { runCli, runCliAsync } from './cli';
export type { CliResult } from './cli';
export { moduleGraph, providerClass } from './module-graph';
export type { ClassRef, ModuleGraph } from './module-graph';
export { freePort, until, processes, procStatusKiB } from './process';
export { leastCpuMs } from './cpu';
export type { ProcessStat } from './process';

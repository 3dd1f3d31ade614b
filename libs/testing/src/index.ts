export { TestContext, testConfig, uniq, newBusinessRegistrationNumber, capturedLogs } from './test-context';
export type { GqlResult, TestTicket, PublishBytesInput } from './test-context';
export { runCli, runCliAsync } from './cli';
export type { CliResult } from './cli';
export { newDatasetVersion, newLegalSigner, newKeyAndCsr } from './grants';
export type { TestDatasetVersion, TestSigner } from './grants';
export { freePort, until, processes } from './process';
export type { ProcessStat } from './process';

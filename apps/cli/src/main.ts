#!/usr/bin/env node
import 'reflect-metadata';
import { Command } from 'commander';
import { ConfigError } from '@maxhub/config';
import { adminBootstrapCommand } from './commands/admin-bootstrap.command';
import { auditVerifyCommand } from './commands/audit-verify.command';
import { contractCommand } from './commands/contract.command';
import { datasetCommand } from './commands/dataset.command';
import { dbCommand } from './commands/db.command';
import { demoDataCommand } from './commands/demo-data.command';
import { demoSeedCommand } from './commands/demo-seed.command';
import { pkiCommand } from './commands/pki.command';
import { schemaPrintCommand } from './commands/schema-print.command';

/** Builds the `maxhub` command tree (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('maxhub').description('M.AX Data Hub command line').showHelpAfterError();
  program.addCommand(
    new Command('admin').description('alliance operator tasks').addCommand(adminBootstrapCommand()),
  );
  program.addCommand(
    new Command('audit').description('the tamper-evident audit log').addCommand(auditVerifyCommand()),
  );
  program.addCommand(datasetCommand());
  program.addCommand(dbCommand());
  program.addCommand(pkiCommand());
  program.addCommand(contractCommand());
  program.addCommand(
    new Command('demo')
      .description('the fictional demo alliance')
      .addCommand(demoSeedCommand())
      .addCommand(demoDataCommand()),
  );
  program.addCommand(
    new Command('schema').description('the GraphQL schema').addCommand(schemaPrintCommand()),
  );
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`maxhub: configuration error: ${err.message}\n`);
      process.exit(78);
    }
    const e = err as { code?: string; safeMessage?: string; message?: string };
    process.stderr.write(
      `maxhub: ${e.code ? `${e.code}: ` : ''}${e.safeMessage ?? e.message ?? String(err)}\n`,
    );
    process.exit(1);
  });

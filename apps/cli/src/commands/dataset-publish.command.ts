import { Command, Option } from 'commander';
import { loadCliConfig } from '@maxhub/config';

const collect = (value: string, previous: string[]) => [...previous, value];

/** Options of `maxhub dataset publish`. */
export interface DatasetPublishOptions {
  company: string;
  name: string;
  classify: string[];
  type: string[];
  format?: string;
  encoding?: string;
  description?: string;
  tag: string[];
  hub?: string;
  token?: string;
  partSize: string;
  parallel: string;
  wait: boolean;
  progress?: boolean;
  maxParts?: string;
  json?: boolean;
}

/**
 * `maxhub dataset publish <file> --company C --name N [--classify col=CLASS]…`: uploads the file
 * straight into the company's bucket by presigned URLs (multipart with resume for large files,
 * progress on stderr), registers it with publishDataset and waits for the worker's verdict.
 */
export function datasetPublishCommand(): Command {
  return new Command('publish')
    .description('upload a file into your company’s bucket and publish it as a dataset version')
    .argument('<file>', 'CSV, JSON lines or Parquet file')
    .requiredOption('--company <slug>', 'company you publish for')
    .requiredOption('--name <name>', 'dataset name (publishing again under it adds a version)')
    .option(
      '--classify <column=CLASS>',
      'column class: DIRECT_IDENTIFIER, QUASI_IDENTIFIER, SENSITIVE, TRADE_SECRET, OTHER (repeatable)',
      collect,
      [],
    )
    .option(
      '--type <column=TYPE>',
      'confirm a column type: string, integer, decimal, boolean, timestamp, date (repeatable)',
      collect,
      [],
    )
    .addOption(
      new Option('--format <format>', 'file format (default: from the extension)').choices([
        'csv',
        'jsonl',
        'parquet',
      ]),
    )
    .addOption(
      new Option('--encoding <encoding>', 'text encoding').choices(['auto', 'utf-8', 'cp949', 'euc-kr']),
    )
    .option('--description <text>', 'what the data is')
    .option('--tag <tag>', 'tag (repeatable)', collect, [])
    .option('--hub <url>', 'hub URL (default: MAXHUB_URL or http://localhost:3000)')
    .option('--token <token>', 'API token (default: MAXHUB_TOKEN)')
    .option('--part-size <MiB>', 'multipart part size in MiB; larger files upload in parts', '64')
    .option('--parallel <n>', 'parts uploaded at once', '4')
    .option('--no-wait', 'return once registered instead of waiting for validation')
    .option('--progress', 'show the progress bar even when stderr is not a terminal')
    .addOption(
      new Option('--max-parts <n>', 'upload at most n parts in this run, then stop (resumable)').hideHelp(),
    )
    .option('--json', 'print the outcome as JSON')
    .action(async (file: string, opts: DatasetPublishOptions) => {
      const cli = loadCliConfig();
      const token = opts.token ?? cli.token;
      if (!token) throw new Error('no API token: pass --token or set MAXHUB_TOKEN');
      const { publishFile } = await import('./dataset-publish.js');
      const code = await publishFile(file, opts, {
        hubUrl: (opts.hub ?? cli.hubUrl).replace(/\/$/, ''),
        token,
      });
      process.exitCode = code;
    });
}

import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Command, Option } from 'commander';

/**
 * `maxhub demo data --kind weld-line --rows N --seed S --format csv --out file`: writes a
 * reproducible synthetic manufacturing dataset (same arguments, same bytes), streaming, of
 * any size.
 */
export function demoDataCommand(): Command {
  return new Command('data')
    .description(
      'generate a reproducible synthetic manufacturing dataset (weld line, ship blocks, humanoid actuators)',
    )
    .addOption(
      new Option('--kind <kind>', 'what to generate')
        .choices(['weld-line', 'ship-block-inspection', 'humanoid-actuator'])
        .default('weld-line'),
    )
    .option('--rows <n>', 'number of rows', '10000')
    .option('--seed <seed>', 'seed: the same seed gives the same bytes', 'maxhub')
    .addOption(
      new Option('--format <format>', 'file format').choices(['csv', 'jsonl', 'parquet']).default('csv'),
    )
    .addOption(
      new Option('--encoding <encoding>', 'CSV text encoding').choices(['utf-8', 'cp949']).default('utf-8'),
    )
    .option('--out <file>', 'output file (default: standard output)')
    .action(
      async (opts: {
        kind: string;
        rows: string;
        seed: string;
        format: string;
        encoding: string;
        out?: string;
      }) => {
        const rows = Number(opts.rows);
        if (!Number.isSafeInteger(rows) || rows < 0) throw new Error('--rows must be a non-negative integer');
        const { generate } = await import('@maxhub/synthetic');
        const stream = generate({
          kind: opts.kind as 'weld-line',
          rows,
          seed: opts.seed,
          format: opts.format.toUpperCase() as 'CSV',
          encoding: opts.encoding as 'utf-8' | 'cp949',
        });
        await pipeline(stream, opts.out ? createWriteStream(opts.out) : process.stdout);
        if (opts.out) process.stderr.write(`wrote ${rows} ${opts.kind} rows to ${opts.out}\n`);
      },
    );
}

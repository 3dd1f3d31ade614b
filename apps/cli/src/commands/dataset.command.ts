import { Command } from 'commander';
import { datasetPublishCommand } from './dataset-publish.command';

/** `maxhub dataset …`: publishing datasets. */
export function datasetCommand(): Command {
  return new Command('dataset').description('datasets of your company').addCommand(datasetPublishCommand());
}

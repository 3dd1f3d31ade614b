export { loadConfig, loadDatabaseConfig, loadCliConfig, ConfigError, HUB_CONFIG } from './config';
export type { HubConfig, CliConfig } from './config';

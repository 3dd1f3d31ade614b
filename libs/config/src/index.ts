export { loadConfig, loadDatabaseConfig, ConfigError, HUB_CONFIG } from './config';
export type { HubConfig } from './config';

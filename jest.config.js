// Two projects: fast unit tests (no I/O) and integration/e2e tests on the real PostgreSQL
// and MinIO (started by test/global-setup.ts when not already running).
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];
// ESM-only packages (NestJS 12 among them) that jest must compile to CommonJS; Node 20.19+
// itself loads them through require(esm), but jest's module loader does not.
const esmPackages = [
  'hyparquet',
  'hyparquet-writer',
  '@nestjs',
  'file-type',
  'strtok3',
  'token-types',
  '@tokenizer',
  'uint8array-extras',
  '@borewit',
  'load-esm',
];
const libs = [
  'config',
  'db',
  'storage',
  'formats',
  'pki',
  'contracts',
  'deidentification',
  'audit',
  'testing',
  'synthetic',
  'views',
  'core',
];
const common = {
  rootDir: __dirname,
  transform: { '^.+\\.(t|j)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleNameMapper: Object.fromEntries(
    libs.map((l) => [`^@maxhub/${l}$`, `<rootDir>/libs/${l}/src/index.ts`]),
  ),
  testEnvironment: 'node',
};
module.exports = {
  // Per-project testTimeout is ignored by jest; e2e tests start servers and child processes.
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/{apps,libs}/**/*.int-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
    },
  ],
};

// The import rules that keep the layers readable (README, Architecture): no circles; workflow code
// imports only workflow-safe modules; adapters (backends) import no feature; the doors are the only
// importers of the client.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle makes a layer impossible to read (or load) on its own.',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'workflows-are-deterministic',
      severity: 'error',
      comment:
        'Workflow code may import the workflow SDK, @temporalio/common and other workflow files at run time; everything else only as types.',
      from: { path: '^src/workflows/' },
      to: {
        dependencyTypesNot: ['type-only'],
        pathNot: ['^src/workflows/', '@temporalio/workflow', '@temporalio/common'],
      },
    },
    {
      name: 'adapters-import-no-feature',
      severity: 'error',
      comment: 'Backends (warehouse, stage) are used by features, never the other way round.',
      from: { path: '^src/adapters/' },
      to: {
        path: '^src/(activities|workflows|doors|sensors|schedules|retention|predictors|scoring|client|worker|planning|tenants|spec)',
        // Quoting identifiers and naming column types are the SQL vocabulary every backend speaks.
        pathNot: '^src/spec/(identifiers|columnTypes|types)\\.ts$',
      },
    },
    {
      name: 'only-doors-use-the-client',
      severity: 'error',
      comment: 'The client is a door: features below it do not import it.',
      from: { path: '^src/', pathNot: ['^src/(doors|client)', '^src/client\\.ts$', '^src/worker\\.ts$'] },
      to: { path: '^src/client(\\.ts|/)' },
    },
    {
      name: 'no-orphans',
      severity: 'warn',
      from: { orphan: true, pathNot: ['\\.d\\.ts$', '(^|/)\\.[^/]+\\.(js|cjs|mjs|ts|json)$', '^src/workflows/index\\.ts$'] },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};

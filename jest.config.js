// One `npm test` runs every suite: the synthesizer's (test/) and the model service's.
// Root integration tests run model-service code in-process (test/integration), so they need the
// model service's transforms of dependencies that ship ES-module syntax or dynamic import().
const modelService = require('./model-service/jest.config.js');
const dependencyTransforms = Object.fromEntries(
  Object.entries(modelService.transform).filter(([pattern]) => pattern.includes('node_modules')),
);

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'synth',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      transform: {
        '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', isolatedModules: true }],
        ...dependencyTransforms,
      },
      transformIgnorePatterns: modelService.transformIgnorePatterns,
    },
    '<rootDir>/model-service',
  ],
};

// One `npm test` runs every suite: the synthesizer's (test/) and the model service's.
const modelService = require('./model-service/jest.config');

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'synth',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      // The synthesizer's tests also build the service in-process (the contract and integration
      // tests): the service's extra transforms for its ES-module dependencies apply here too.
      transform: {
        ...modelService.transform,
        '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', isolatedModules: true }],
      },
      transformIgnorePatterns: modelService.transformIgnorePatterns,
    },
    '<rootDir>/model-service',
  ],
};

// One `npm test` runs every suite: the synthesizer's (test/), the end-to-end test on the real
// backends (test/e2e/, also `npm run e2e`) and the model service's.
// Root integration tests run model-service code in-process (test/integration), so they need the
// model service's transforms of dependencies that ship ES-module syntax or dynamic import().
const modelService = require('./model-service/jest.config.js');
const dependencyTransforms = Object.fromEntries(
  Object.entries(modelService.transform).filter(([pattern]) => pattern.includes('node_modules')),
);
const rootProject = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
    ...dependencyTransforms,
  },
  transformIgnorePatterns: modelService.transformIgnorePatterns,
};

/** @type {import('jest').Config} */
module.exports = {
  // Quiet by default: only failures (each in full) and the closing counts. A passing file says
  // nothing and what tests write to the console is not shown; `npx jest --reporters=default <path>`
  // lists every file with its console output.
  reporters: [['summary', { summaryThreshold: 0 }]],
  projects: [
    {
      ...rootProject,
      displayName: 'synth',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
    },
    { ...rootProject, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
    '<rootDir>/model-service',
  ],
};

// One `npm test` runs every suite: the synthesizer's (test/) and the model service's.
/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'synth',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', isolatedModules: true }] },
    },
    '<rootDir>/model-service',
  ],
};

/** @type {import('jest').Config} */
module.exports = {
  displayName: 'model-service',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', isolatedModules: true }],
    // light-my-request (behind fastify.inject) requires cookie@2, which ships only
    // ES modules; Jest's CommonJS runtime cannot load it untransformed.
    '/node_modules/cookie/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' }, isolatedModules: true }],
  },
  transformIgnorePatterns: ['/node_modules/(?!cookie/)'],
};

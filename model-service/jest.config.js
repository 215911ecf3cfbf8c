/** @type {import('jest').Config} */
module.exports = {
  displayName: 'model-service',
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
    // Jest's CommonJS runtime cannot load ES-module syntax untransformed:
    // light-my-request (behind fastify.inject) requires cookie@2, which ships only
    // ES modules, and the OTLP exporter loads `http` with a dynamic import().
    '/node_modules/(cookie|@opentelemetry/otlp-exporter-base)/.+\\.js$': [
      'ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', isolatedModules: true } },
    ],
  },
  transformIgnorePatterns: ['/node_modules/(?!(cookie|@opentelemetry/otlp-exporter-base)/)'],
};

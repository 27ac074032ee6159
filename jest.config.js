/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testMatch: ['**/*.spec.ts'],
  // Each lib is imported by its package name; tests run its TypeScript source (Node, after the build, its dist).
  moduleNameMapper: { '^@cis490/([a-z-]+)$': '<rootDir>/libs/$1/src' },
  // Nest 12 ships ESM only: swc turns it (and our TS) into CommonJS for jest.
  transform: {
    '^.+\\.(t|j|mj)s$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2022',
        },
        module: { type: 'commonjs' },
      },
    ],
  },
  transformIgnorePatterns: [],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json', 'node'],
  testTimeout: 60000,
  maxWorkers: 2,
};

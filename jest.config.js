/** Unit and parity tests (TypeScript through ts-jest). End-to-end tests run separately (see scripts/test.sh). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/extension-medsam', '<rootDir>/mode-medsam', '<rootDir>/tests'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  testPathIgnorePatterns: ['/node_modules/', '/tests/e2e/'],
  transform: {
    '^.+\\.tsx?$': [
      'ts-jest',
      {
        tsconfig: {
          module: 'CommonJS',
          moduleResolution: 'Node',
          esModuleInterop: true,
          isolatedModules: true,
          jsx: 'react-jsx',
        },
      },
    ],
  },
  testTimeout: 120000,
};

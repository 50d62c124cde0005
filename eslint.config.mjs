// Lint rules that encode the project's architecture: the engine is pure and imports nothing of the adapters; seg/
// (DICOM SEG, STOW, outbox) knows nothing of OHIF or the command line; no import cycles. `npm run lint`; npm test runs
// it right after the type check.
import js from '@eslint/js';
import prettierOff from 'eslint-config-prettier/flat';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const SRC = 'extension-medsam/src';
const OHIF = `${SRC}/ohif`;

/**
 * ohif/ by role: app/ holds the service and host-free controllers; host/ adapts cornerstone and OHIF; panel/ is the
 * UI; modules/ is what OHIF reads and wires them together. The names in modules/ids.ts are shared by all.
 */
const OHIF_LAYERS = [
  {
    target: `${OHIF}/app`,
    from: [`${OHIF}/host`, `${OHIF}/modules`, `${OHIF}/panel`],
    except: ['./ids.ts'],
    message: 'app/ is host-free: the host adapters and the panel use it, never the reverse',
  },
  {
    target: `${OHIF}/panel`,
    from: [`${OHIF}/host`, `${OHIF}/modules`],
    except: ['./ids.ts'],
    message: 'the panel shows the service state: it reaches the viewer only through the service',
  },
  {
    target: `${OHIF}/host`,
    from: [`${OHIF}/panel`, `${OHIF}/modules`],
    except: ['./ids.ts'],
    message: 'host/ adapts the viewer for the service; the OHIF modules wire them together',
  },
];

/**
 * Which folder may not import which. Tests may use the command line's readers to get real data, and may drive
 * several ohif/ layers together (e.g. the service with the panel that shows it).
 */
function boundaries({ tests }) {
  return [
    {
      target: `${SRC}/engine`,
      from: [`${SRC}/ohif`, `${SRC}/seg`, `${SRC}/cli`, `${SRC}/worker`],
      message: 'the engine is pure: adapters import it, never the reverse',
    },
    {
      target: `${SRC}/seg`,
      from: tests ? [`${SRC}/ohif`, `${SRC}/worker`] : [`${SRC}/ohif`, `${SRC}/cli`, `${SRC}/worker`],
      message: 'seg/ is host-free: OHIF and the command line use it',
    },
    {
      target: `${SRC}/worker`,
      from: [`${SRC}/ohif`, `${SRC}/cli`],
      message: 'the worker runs the engine without a host',
    },
    { target: `${SRC}/cli`, from: [`${SRC}/ohif`, `${SRC}/worker`], message: 'the command line has no browser host' },
    ...(tests ? [] : OHIF_LAYERS),
  ];
}

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'dist/**', '.viewer/**', 'tests/out/**', 'models/**', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    settings: {
      'import-x/resolver-next': [
        importX.createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] }),
      ],
      'import-x/extensions': ['.ts', '.tsx', '.js', '.mjs', '.cjs'],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { zones: boundaries({ tests: false }) }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // A variable set before a try block and again inside it reads more plainly than the alternatives here.
      'no-useless-assignment': 'off',
      // A variable a closure reads before the test assigns it (a fake that appears later) must stay let.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['**/*.test.ts', '**/*.test.tsx', 'tests/**'],
    rules: { 'import-x/no-restricted-paths': ['error', { zones: boundaries({ tests: true }) }] },
  },
  {
    // Native and optional packages (onnxruntime-node, codecs, playwright-core) are loaded when first needed.
    files: [`${SRC}/cli/**`, '**/*.cjs', '**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The host boundary is typed (ohif/host/hostTypes.ts, hostLibraries.ts); tests may use `any` for partial fakes.
    files: [`${SRC}/ohif/**/*.test.ts`, `${SRC}/ohif/**/*.test.tsx`, 'mode-medsam/src/**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  // Layout is prettier's job (npm run lint runs `prettier --check` too); no eslint rule may disagree with it.
  prettierOff,
);

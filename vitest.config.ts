import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The dashboard's server modules import the shared db code and their own lib through SvelteKit's
  // aliases; tests/dashboard imports those modules directly.
  resolve: {
    alias: {
      $db: fileURLToPath(new URL('./db', import.meta.url)),
      $lib: fileURLToPath(new URL('./dashboard/src/lib', import.meta.url)),
    },
  },
  test: {
    include: ['tests/**/*.test.ts'],
    exclude: ['tests/bench/**', 'node_modules/**'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

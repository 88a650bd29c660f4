// Only the runtime probe; the suite itself runs with the root vitest.config.ts.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { include: ['runtime.test.ts'] } });

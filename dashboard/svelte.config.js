import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    adapter: adapter({ out: 'build' }),
    // Scripts only from this origin (SvelteKit adds nonces for its inline bootstrap). Styles allow
    // 'unsafe-inline' because Svelte and the chart library set style attributes; no inline script can
    // run. frame-ancestors 'none' forbids framing (clickjacking); form posts only go to this origin.
    csp: {
      mode: 'auto',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:', 'https://cdn.discordapp.com'],
        'font-src': ['self'],
        'connect-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self'],
        'frame-ancestors': ['none'],
      },
    },
    // Form actions and POST endpoints refuse cross-site form posts (Origin must match ORIGIN).
    csrf: { checkOrigin: true },
    // The shared package at the repository root: Drizzle schema, queries, and db/shared (texts,
    // templates and the message renderer the live preview uses, the same one the gateway sends with).
    alias: { $db: '../db' },
  },
};

export default config;

/** Plain responses the hooks send before any route runs (config problems, 401/403 on actions). */
import { escapeHtml } from './html';

export function htmlPage(status: number, lang: string, title: string, body: string): Response {
  const html = `<!doctype html><html lang="${escapeHtml(lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}</style>
</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
  return new Response(html, {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  });
}

/** A refusal that SvelteKit's `use:enhance` understands (action requests) or a small page. */
export function refusal(
  request: Request,
  status: number,
  lang: string,
  title: string,
  text: string,
): Response {
  if (request.headers.get('x-sveltekit-action') === 'true') {
    return new Response(JSON.stringify({ type: 'error', error: { message: text } }), {
      status,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    });
  }
  return htmlPage(status, lang, title, `<p>${escapeHtml(text)}</p><p><a href="/servers">⟵</a></p>`);
}

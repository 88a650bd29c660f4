import { json } from '@sveltejs/kit';

/** Liveness for Fly's http check: the server is up and answering. */
export function GET() {
  return json({ status: 'ok' });
}

/** Pages that need a login but no guild (the server picker): the user, or off to the login. */
import { redirect } from '@sveltejs/kit';
import { loginUrl } from '../http/safe-next';
import type { Session, SessionUser } from './session';

/** The logged-in user, or a redirect to the login (which comes back to `next`). */
export function requireUser(
  locals: { user: SessionUser | null; session: Session | null },
  next: string,
): { user: SessionUser; session: Session } {
  if (!locals.user || !locals.session) redirect(303, loginUrl(next));
  return { user: locals.user, session: locals.session };
}

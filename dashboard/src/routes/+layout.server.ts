import { displayName } from '$db/queries/users';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals, url }) => ({
  locale: locals.locale,
  path: url.pathname + url.search,
  user: locals.user ? { id: locals.user.id, name: displayName(locals.user, locals.user.id) } : null,
});

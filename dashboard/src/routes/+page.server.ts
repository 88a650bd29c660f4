import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => {
  if (locals.user) redirect(303, '/servers');
  const login = url.searchParams.get('login');
  return { loginProblem: login === 'cancelled' || login === 'failed' ? login : null };
};

/**
 * Logs in to a running dashboard through the simulator's OAuth2 like a browser would (following
 * redirects by hand, keeping cookies); returns the cookie header of the session.
 */
export async function loginThroughSimulator(dashboard: string): Promise<string> {
  const jar = new Map<string, string>();
  const remember = (response: Response) => {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, ...value] = pair!.split('=');
      jar.set(name!.trim(), value.join('='));
    }
  };
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  let url = `${dashboard}/login`;
  for (let hop = 0; hop < 6; hop++) {
    const sameSite = url.startsWith(dashboard);
    const response = await fetch(url, {
      redirect: 'manual',
      headers: sameSite ? { cookie: cookieHeader() } : {},
    });
    if (sameSite) remember(response);
    const location = response.headers.get('location');
    if (!location) break;
    url = new URL(location, url).toString();
    if (url === `${dashboard}/servers` || url.startsWith(`${dashboard}/servers?`)) break;
  }
  return cookieHeader();
}

/**
 * A URL as it may be printed: user name, password and query (`?password=…`) hidden, the fragment
 * dropped. The URL may come from an environment variable holding credentials, so one that does not
 * parse is never echoed: a password with a raw `@` or `/` is exactly what breaks parsing.
 */
export function redactUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return '(an unparseable URL, not shown)';
  }
  const credentials = url.username !== '' || url.password !== '';
  // An `@` that did not end up as the user-info separator: a password with `/`, `?` or `#` in it can
  // parse with its start taken for the host or port and its end for the path.
  if (!credentials && text.includes('@')) return '(a URL that may hold credentials, not shown)';
  url.username = '';
  url.password = '';
  url.hash = '';
  const query = url.search !== '';
  url.search = '';
  let shown = url.href;
  if (credentials) shown = shown.replace('//', '//***@');
  return query ? `${shown}?***` : shown;
}

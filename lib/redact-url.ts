/** Query parameters whose values are secrets, compared in lower case. */
const SECRET_PARAMS = new Set([
  'password',
  'passwd',
  'pwd',
  'token',
  'access_token',
  'refresh_token',
  'client_secret',
  'secret',
  'api_key',
  'apikey',
  'x-amz-credential',
  'x-amz-security-token',
  'x-amz-signature',
]);

/**
 * Removes secrets from a URL-like string, for messages, logs and saved
 * settings: the password in the user info (split at its last `@`, so a
 * raw `@` in a password goes too) and query parameters such as `password`
 * or `token`. The user name stays, because messages that name the user
 * help more than they reveal.
 */
export function redactUrl(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0];
  if (scheme === undefined) return url;

  let rest = url.slice(scheme.length);
  let user = '';
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    // User info has its `:` before any `/`, `?` or `#`, which a password
    // may contain unescaped, or has none of them. Otherwise the `@` is in
    // the path or query.
    const userInfo = rest.slice(0, at);
    const colon = userInfo.indexOf(':');
    const delimiter = userInfo.search(/[/?#]/);
    if (delimiter === -1 || (colon !== -1 && colon < delimiter)) {
      user = `${colon === -1 ? userInfo : userInfo.slice(0, colon)}@`;
      rest = rest.slice(at + 1);
    }
  }

  const hashStart = rest.indexOf('#');
  const fragment = hashStart === -1 ? '' : rest.slice(hashStart);
  const withoutFragment = hashStart === -1 ? rest : rest.slice(0, hashStart);
  const queryStart = withoutFragment.indexOf('?');
  const authority =
    queryStart === -1 ? withoutFragment : withoutFragment.slice(0, queryStart);
  const params =
    queryStart === -1
      ? []
      : withoutFragment
          .slice(queryStart + 1)
          .split('&')
          .filter(
            (param) =>
              !SECRET_PARAMS.has(
                decodeURIComponentSafe(param.split('=')[0]!).toLowerCase(),
              ),
          );
  const query = params.length > 0 ? `?${params.join('&')}` : '';
  return `${scheme}${user}${authority}${query}${fragment}`;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

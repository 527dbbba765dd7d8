/**
 * Internal to the page: keeps `query` and `variables` in the address bar
 * (the GraphiQL host convention), so the current operation can be shared as
 * a link. Headers never go there: they may hold a token.
 */
export function syncUrl(name: 'query' | 'variables', value: string): void {
  const url = new URL(location.href);
  if (value.trim()) url.searchParams.set(name, value);
  else url.searchParams.delete(name);
  history.replaceState(history.state, '', url);
}

/**
 * Compares two bookmarks by path and query. A bookmark is a `next_href`,
 * and its host is only where it was served: the pipeline points a saved
 * bookmark at the configured API base before calling it.
 */
export function sameBookmark(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  try {
    const left = new URL(a);
    const right = new URL(b);
    return left.pathname === right.pathname && left.search === right.search;
  } catch {
    return a === b;
  }
}

/** Deep links under /dashboard with the History API: a link changes the view, never reloads the page. */
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/dashboard';

export type Route =
  | { view: 'fleet' }
  | { view: 'jobs' }
  | { view: 'job'; id: string }
  | { view: 'results' }
  | { view: 'not-found' };

export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '');
  if (path === BASE) return { view: 'fleet' };
  if (path === `${BASE}/jobs`) return { view: 'jobs' };
  if (path === `${BASE}/results`) return { view: 'results' };
  const job = /^\/dashboard\/jobs\/([^/]+)$/.exec(path);
  if (job) return { view: 'job', id: decodeURIComponent(job[1]) };
  return { view: 'not-found' };
}

export interface Location {
  route: Route;
  search: URLSearchParams;
}

const current = (): Location => ({ route: parseRoute(location.pathname), search: new URLSearchParams(location.search) });
const listeners = new Set<() => void>();

/** Goes to `href` (same origin) without a reload; `replace` keeps the history entry (filters typed in place). */
export function navigate(href: string, opts: { replace?: boolean; state?: unknown } = {}): void {
  if (opts.replace) history.replaceState(opts.state ?? null, '', href);
  else history.pushState(opts.state ?? null, '', href);
  if (!opts.replace) window.scrollTo(0, 0);
  for (const listener of listeners) listener();
}

addEventListener('popstate', () => {
  for (const listener of listeners) listener();
});

export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const listener = () => setLocation(current());
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return location;
}

/** Link clicks inside the app become navigations; modified clicks (new tab) stay the browser's. */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener('click', (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const a = (event.target as Element).closest('a');
    if (!a || a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
    if (a.pathname !== BASE && !a.pathname.startsWith(`${BASE}/`)) return;
    event.preventDefault();
    navigate(a.pathname + a.search);
  });
}

/** `/dashboard/jobs?status=failed` from a path under the app and its query. */
export const href = (path: string, params: Record<string, string | undefined> = {}) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return `${BASE}${path}${s ? `?${s}` : ''}`;
};

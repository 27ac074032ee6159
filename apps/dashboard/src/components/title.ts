import { useEffect } from 'preact/hooks';

/** Sets the tab's title while a view shows. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · cis490 fleet`;
  }, [title]);
}

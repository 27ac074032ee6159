import type { HealthView } from '@cis490/contract';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import { useStreamState } from './live/fleet-stream';
import { href, useLocation, type Route } from './router';
import { FleetView } from './views/fleet.view';
import { JobView } from './views/job.view';
import { JobsView } from './views/jobs.view';
import { ResultsView } from './views/results.view';

const STREAM_WORDS = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' } as const;

function Header({ route }: { route: Route }) {
  const stream = useStreamState();
  const [health, setHealth] = useState<HealthView>();
  useEffect(() => {
    api.health().then(setHealth, () => undefined);
  }, []);
  const tab = (view: Route['view'], path: string, label: string, also: Route['view'][] = []) => (
    <a href={href(path)} aria-current={route.view === view || also.includes(route.view) ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <header class="top">
      <a class="brand" href={href('')}>
        <svg viewBox="0 0 16 16" width="18" height="18" aria-hidden="true">
          <rect width="16" height="16" rx="3" fill="currentColor" />
          <path d="M4 11V5m4 6V7m4 4V3" stroke="var(--surface)" stroke-width="2" />
        </svg>
        cis490 fleet
      </a>
      <nav>
        {tab('fleet', '', 'Fleet')}
        {tab('jobs', '/jobs', 'Jobs', ['job'])}
        {tab('results', '/results', 'Results')}
      </nav>
      <span class="top-right">
        <span class={`stream stream-${stream}`} title="fleet events from /v1/events">
          {STREAM_WORDS[stream]}
        </span>
        {health && <span class="muted version" title={`manifest: ${health.manifest.path}`}>v{health.version}</span>}
      </span>
    </header>
  );
}

export function App() {
  const { route, search } = useLocation();
  return (
    <>
      <Header route={route} />
      <main>
        {route.view === 'fleet' && <FleetView />}
        {route.view === 'jobs' && <JobsView search={search} />}
        {route.view === 'job' && <JobView id={route.id} />}
        {route.view === 'results' && <ResultsView search={search} />}
        {route.view === 'not-found' && (
          <section class="empty-state">
            <h1>Nothing here</h1>
            <p>
              The dashboard has <a href={href('')}>the fleet</a>, <a href={href('/jobs')}>jobs</a> and{' '}
              <a href={href('/results')}>results</a>.
            </p>
          </section>
        )}
      </main>
    </>
  );
}


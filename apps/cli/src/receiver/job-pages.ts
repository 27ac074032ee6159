import type { ReceiverClient } from '@cis490/client';
import { MAX_PAGE_SIZE, type JobListQuery, type JobPage } from '@cis490/contract';

/**
 * Up to `limit` jobs, following `next_cursor` page by page. The answer has the shape of
 * one page: every job collected, the counts of the last page, and the cursor to go on from.
 */
export async function collectJobs(
  client: ReceiverClient,
  query: Omit<JobListQuery, 'limit' | 'cursor'>,
  limit: number,
): Promise<JobPage> {
  const jobs: JobPage['jobs'] = [];
  let cursor: string | undefined;
  let page: JobPage;
  do {
    page = await client.listJobs({ ...query, limit: Math.min(MAX_PAGE_SIZE, limit - jobs.length), cursor });
    jobs.push(...page.jobs);
    cursor = page.next_cursor ?? undefined;
  } while (cursor && page.jobs.length > 0 && jobs.length < limit);
  return { jobs, counts: page.counts, next_cursor: page.next_cursor };
}

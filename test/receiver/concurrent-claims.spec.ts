import { claimBody, Harness, startReceiver } from '../support/receiver.harness';

const JOBS = 100;
const CLAIMERS = 250;

describe('concurrent claims over HTTP', () => {
  let h: Harness;
  beforeAll(async () => {
    const manifest = Array.from({ length: JOBS }, (_, i) => `[[jobs]]\nmodel = "gbt"\nmode = "m"\nseed = ${i}\n`).join('\n');
    h = await startReceiver(manifest);
  });
  afterAll(() => h.close());

  it(`${CLAIMERS} concurrent claimers over ${JOBS} jobs: each job handed out exactly once`, async () => {
    const answers = await Promise.all(
      Array.from({ length: CLAIMERS }, (_, i) =>
        h.app.inject({ method: 'POST', url: '/v1/job/claim', payload: claimBody(`w${i}`) }),
      ),
    );
    const claimed = answers.filter((a) => a.statusCode === 200).map((a) => a.json().job.id as string);
    expect(answers.filter((a) => a.statusCode === 204)).toHaveLength(CLAIMERS - JOBS);
    expect(claimed).toHaveLength(JOBS);
    expect(new Set(claimed).size).toBe(JOBS);

    const page = (await h.app.inject({ method: 'GET', url: '/v1/jobs?limit=1000' })).json();
    expect(page.counts).toMatchObject({ pending: 0, claimed: JOBS });
    for (const job of page.jobs) {
      const detail = (await h.app.inject({ method: 'GET', url: `/v1/job/${job.id}` })).json();
      expect(detail.events.filter((e: { to: string }) => e.to === 'claimed')).toHaveLength(1);
      expect(detail.attempts).toBe(1);
    }
  });
});

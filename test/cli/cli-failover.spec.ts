import { freePort, ReceiverProcess, spawnReceiver } from '../support/receiver.process';
import { cli, json, readManifest, STACK_TRACE } from './cli.support';

describe('cis490-jobs with several receivers (CIS490_RECEIVER_URL as a list)', () => {
  let rx: ReceiverProcess;
  let dead: string;

  beforeAll(async () => {
    rx = await spawnReceiver(readManifest(3));
    dead = `http://127.0.0.1:${await freePort()}`;
  });
  afterAll(() => rx?.close());

  it('lists jobs through the next receiver when the first does not answer, and status names the one that did', async () => {
    const [list, listed, status] = await Promise.all([
      cli(['list', '--json'], { CIS490_RECEIVER_URL: `${dead},${rx.url}` }),
      cli(['--receiver', `${dead}, ${rx.url}`, 'list']),
      cli(['status'], { CIS490_RECEIVER_URL: `${dead},${rx.url}` }),
    ]);

    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(json(list).jobs).toHaveLength(5);
    expect(listed).toMatchObject({ code: 0, stderr: '' });
    expect(listed.stdout).toMatch(/\bgbt\b/);
    expect(status).toMatchObject({ code: 0, stderr: '' });
    expect(status.stdout).toMatch(new RegExp(`^receiver +${rx.url} +v`, 'm'));
  });

  it('when none answers, exits 3 with one line naming every URL tried and what to do', async () => {
    const other = `http://127.0.0.1:${await freePort()}`;
    const r = await cli(['list'], { CIS490_RECEIVER_URL: `${dead},${other}` });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      `cis490-jobs: no receiver answered: ${dead} (connect ECONNREFUSED ${dead.slice(7)}); ${other} (connect ECONNREFUSED ${other.slice(7)}) ` +
        '(is any of them running? set --receiver or CIS490_RECEIVER_URL to receivers that are)\n',
    );
  });

  it.each([
    [[], { CIS490_RECEIVER_URL: `http://rx1.lab:8471,` }, 'CIS490_RECEIVER_URL element 2 of 2 is empty'],
    [['--receiver', 'http://rx1.lab:8471,ftp://rx2.lab'], {}, '--receiver element 2 of 2 must be an http:// or https:// URL, got "ftp://rx2.lab"'],
  ])('refuses a bad list %j %j: exit 2, one line naming the setting and the element', async (args, env, message) => {
    const r = await cli([...args, 'list'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^cis490-jobs: [^\n]+\n$/);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });
});

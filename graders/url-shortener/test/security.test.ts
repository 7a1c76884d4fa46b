import { api, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { baseUrl, create, expectError } from './steps/urls.ts';

rubricTest(rubric, 'dangerous-schemes-rejected', async () => {
  const r = seeded('dangerous-schemes-rejected');
  const targets = [
    `javascript:alert(${r.int(1, 999)})`,
    'JavaScript:alert(document.cookie)',
    ` javascript:fetch('//evil.example/${r.word(4)}')`,
    `data:text/html,<script>alert(${r.int(1, 999)})</script>`,
    'file:///etc/passwd',
    'vbscript:msgbox(1)',
  ];
  for (const url of targets) {
    expectError(await api(0).post('/api/v1/urls', { url }), [400], `target "${url}" is not http(s)`);
  }
});

rubricTest(rubric, 'redirect-loop-rejected', async () => {
  const r = seeded('redirect-loop-rejected');
  const { shortUrl } = await create(api(0), { url: r.url() });
  const loops = [shortUrl, `${baseUrl()}/${r.word(7)}`, `${baseUrl()}/api/v1/urls`];
  for (const url of loops) {
    expectError(
      await api(0).post('/api/v1/urls', { url }),
      [400, 422],
      `target ${url} is this service itself`,
    );
  }
});

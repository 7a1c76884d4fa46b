import { api, rubricTest, seeded } from '@bc/harness/kit';
import { rubric } from '../rubric.ts';
import { baseUrl, create, expectStatus, seededUrl } from './steps/urls.ts';

rubricTest(rubric, 'dangerous-schemes-rejected', async () => {
  const r = seeded('dangerous-schemes-rejected');
  const targets = [
    `javascript:alert(${r.int(1, 999)})`,
    'JavaScript:alert(document.cookie)',
    ` javascript:fetch('//evil.example/${r.word(4)}')`,
    `data:text/html,<script>alert(${r.int(1, 999)})</script>`,
    'file:///etc/passwd',
    'vbscript:msgbox(1)',
    // Schemes that carry a host: a check for "has a host" alone lets these through.
    `javascript://${r.word(5)}.example.com/%0Aalert(${r.int(1, 999)})`,
    `file://localhost/etc/${r.word(4)}`,
    `data://${r.word(5)}.example.com/text/html,<script>1</script>`,
    `ws://${r.word(5)}.example.com/socket`,
  ];
  for (const url of targets) {
    expectStatus(await api(0).post('/api/v1/urls', { url }), [400], `target "${url}" is not http(s)`);
  }
});

rubricTest(rubric, 'redirect-loop-rejected', async () => {
  const r = seeded('redirect-loop-rejected');
  const { code } = await create(api(0), { url: seededUrl(r) });
  const base = new URL(baseUrl());
  const host = base.hostname;
  const other = base.protocol === 'https:' ? 'http:' : 'https:';
  const loops = [
    `${baseUrl()}/${code}`,
    `${baseUrl()}/${r.word(7)}`,
    `${baseUrl()}/api/v1/urls`,
    `${other}//${host}/${code}`,
    `${base.protocol}//${host.toUpperCase()}/${code}`,
    `${base.protocol}//${host}:${base.protocol === 'https:' ? 443 : 80}/${code}`,
    `${base.protocol}//${r.word(4)}@${host}/${code}`,
    `${base.protocol}//${host}./${code}`,
  ];
  for (const url of loops) {
    // The code is the service's own (drawn at random): the message names it by what it is.
    const shown = url.replaceAll(code, '<the code of a link it made>');
    expectStatus(await api(0).post('/api/v1/urls', { url }), '4xx', `target ${shown} is this service itself`);
  }
});

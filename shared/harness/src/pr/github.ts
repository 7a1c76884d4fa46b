/** One comment on a pull request, as far as grading needs it. */
export interface PrComment {
  id: number;
  body: string;
}

/** The pull-request comments of one PR: GitHub's REST API in a workflow, an in-memory one in tests. */
export interface PrComments {
  list(): Promise<PrComment[]>;
  create(body: string): Promise<PrComment>;
  update(id: number, body: string): Promise<PrComment>;
}

/**
 * Post `body` as the one comment carrying `marker`: updated in place when an earlier run left
 * one, so a PR pushed ten times has one grading comment, not ten.
 */
export async function upsertComment(
  comments: PrComments,
  marker: string,
  body: string,
): Promise<{ action: 'created' | 'updated'; id: number }> {
  const text = `${marker}\n${body}`;
  const mine = (await comments.list()).find((c) => c.body.startsWith(marker));
  if (mine) return { action: 'updated', id: (await comments.update(mine.id, text)).id };
  return { action: 'created', id: (await comments.create(text)).id };
}

/** GitHub's issue-comments API for pull request `pr` of `repo` ("owner/name"). */
export function githubComments(opts: {
  token: string;
  repo: string;
  pr: number;
  apiUrl?: string;
  fetch?: typeof fetch;
}): PrComments {
  const api = (opts.apiUrl ?? 'https://api.github.com').replace(/\/$/, '');
  const doFetch = opts.fetch ?? fetch;
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await doFetch(url, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${opts.token}`,
        'x-github-api-version': '2022-11-28',
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (!res.ok)
      throw new Error(`GitHub ${method} ${url}: ${res.status} ${(await res.text()).slice(0, 300)}`);
    return res;
  };
  const toComment = (c: { id: number; body?: string | null }): PrComment => ({
    id: c.id,
    body: c.body ?? '',
  });
  return {
    async list() {
      const all: PrComment[] = [];
      let url: string | undefined = `${api}/repos/${opts.repo}/issues/${opts.pr}/comments?per_page=100`;
      while (url) {
        const res = await call('GET', url);
        all.push(...((await res.json()) as { id: number; body?: string }[]).map(toComment));
        url = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
      }
      return all;
    },
    async create(body) {
      const res = await call('POST', `${api}/repos/${opts.repo}/issues/${opts.pr}/comments`, { body });
      return toComment((await res.json()) as { id: number; body: string });
    },
    async update(id, body) {
      const res = await call('PATCH', `${api}/repos/${opts.repo}/issues/comments/${id}`, { body });
      return toComment((await res.json()) as { id: number; body: string });
    },
  };
}

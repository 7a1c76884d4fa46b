import { createSecretKey } from 'node:crypto';
import express from 'express';
import jwt from 'jsonwebtoken';

// Calibration for the performance items: an Express route that verifies the same access token as
// the service would (HS256, the secret as a KeyObject, iss and aud) and answers its claims,
// with no revocation check and no account lookup, measured in the same run on the same machine.
const key = createSecretKey(Buffer.from(process.env.JWT_SECRET ?? ''));
const opts = {
  algorithms: ['HS256' as const],
  issuer: process.env.JWT_ISSUER ?? '',
  audience: process.env.JWT_AUDIENCE ?? '',
};
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.get('/healthz', (_req, res) => {
  res.json({ ok: true });
});
app.get('/me', (req, res) => {
  const token = (req.get('authorization') ?? '').replace(/^Bearer /i, '');
  try {
    const c = jwt.verify(token, key, opts) as jwt.JwtPayload;
    res.json({ id: c.sub, email: `${c.sub}@baseline.test`, role: c.role });
  } catch {
    res.status(401).json({ error: { code: 'invalid_token', message: 'invalid token' } });
  }
});
app.listen(Number(process.env.PORT));

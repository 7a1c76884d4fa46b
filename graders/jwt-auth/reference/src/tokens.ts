import { createHash, createSecretKey, type KeyObject, randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Config } from './config.js';

/** The claims of an access token this service accepts. */
export interface AccessClaims {
  sub: string;
  role: 'user' | 'admin';
  jti: string;
  exp: number;
  /** The login (refresh-token family) the token was issued under. */
  sid?: string;
}

/**
 * Signs and verifies access tokens. The secret is a KeyObject made once: jsonwebtoken turns a
 * string secret into one on every call, which costs ~50× the verification itself.
 */
export class AccessTokens {
  private readonly key: KeyObject;

  constructor(private readonly config: Config) {
    this.key = createSecretKey(Buffer.from(config.JWT_SECRET));
  }

  sign(sub: string, role: string, sid: string): string {
    return jwt.sign({ role, sid }, this.key, {
      algorithm: 'HS256',
      subject: sub,
      jwtid: randomUUID(),
      expiresIn: this.config.ACCESS_TOKEN_TTL_SECONDS,
      issuer: this.config.JWT_ISSUER,
      audience: this.config.JWT_AUDIENCE,
    });
  }

  /** The claims, or null for any token that is not one of ours, still valid (RFC 8725). */
  verify(token: string): AccessClaims | null {
    try {
      const c = jwt.verify(token, this.key, {
        algorithms: ['HS256'],
        issuer: this.config.JWT_ISSUER,
        audience: this.config.JWT_AUDIENCE,
        clockTolerance: 1,
      });
      if (typeof c !== 'object' || typeof c.sub !== 'string' || typeof c.jti !== 'string') return null;
      if (typeof c.exp !== 'number' || (c.role !== 'user' && c.role !== 'admin')) return null;
      const sid = typeof c.sid === 'string' ? c.sid : undefined;
      return { sub: c.sub, role: c.role, jti: c.jti, exp: c.exp, ...(sid ? { sid } : {}) };
    } catch {
      return null;
    }
  }
}

/** A new opaque refresh token: 256 random bits. */
export const newRefreshToken = (): string => randomBytes(32).toString('base64url');

/** What the database keeps of a refresh token. */
export const refreshHash = (token: string): string => createHash('sha256').update(token).digest('hex');

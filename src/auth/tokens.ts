import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'smk_';

/** A new bearer token: 32 random bytes, recognisable by its prefix in logs and secret scanners. */
export function generateToken(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

/** Tokens are high-entropy, so a fast hash is enough; only the hash is stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The token in an `Authorization: Bearer <token>` header, or undefined when malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+([A-Za-z0-9_\-.~+/=]{1,200})$/i.exec(header.trim());
  return match?.[1];
}

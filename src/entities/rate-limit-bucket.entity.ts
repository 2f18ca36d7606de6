import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One token bucket of one caller (an API token) and one kind of call, shared by every server
 * process: it holds up to the limit per minute and refills continuously. A row per caller and
 * kind, so callers never wait on each other's rows. The table is UNLOGGED (see its migration):
 * after a crash of PostgreSQL the buckets start full, which costs nothing but a fresh allowance.
 */
@Entity()
export class RateLimitBucket {
  /** Whose allowance: the API token id. */
  @PrimaryColumn({ type: 'varchar', length: 100 })
  key: string;

  /** Which allowance, a `RateBucket` value such as `mutations`. */
  @PrimaryColumn({ type: 'varchar', length: 50 })
  bucket: string;

  /** Calls left at `refilledAtMs`, fractional because the bucket refills continuously. */
  @Column({ type: 'double precision' })
  tokens: number;

  /** Epoch milliseconds of the last take; the refill since then is computed on the next one. */
  @Column({ type: 'bigint' })
  refilledAtMs: string;
}

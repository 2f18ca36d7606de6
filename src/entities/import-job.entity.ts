import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export enum ImportJobStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  DONE = 'DONE',
  FAILED = 'FAILED',
}

/** What an import does with a lead record whose email or externalId names a lead that exists. */
export enum DuplicatePolicy {
  SKIP = 'SKIP',
  UPDATE = 'UPDATE',
  REFUSE = 'REFUSE',
}

export enum ImportFormat {
  NDJSON = 'NDJSON',
  CSV = 'CSV',
}

registerEnumType(ImportJobStatus, {
  name: 'ImportJobStatus',
  description:
    'QUEUED: stored, waiting for a worker. RUNNING: rows being imported or leads scored. DONE: finished. FAILED: stopped by an error (see `error`).',
});
registerEnumType(DuplicatePolicy, {
  name: 'DuplicatePolicy',
  description:
    'A lead record whose normalised email or externalId names a lead that exists: SKIP leaves that lead alone (its history records still apply), UPDATE sets the fields the record gives, REFUSE rejects the row (code CONFLICT).',
});
registerEnumType(ImportFormat, {
  name: 'ImportFormat',
  description: 'NDJSON (every record type) or CSV (leads alone).',
});

@ObjectType({
  description:
    'An import of a company’s past (POST /imports or `npm run import`): its progress, what it added and the rows it rejected.',
  simpleResolvers: true,
})
@Entity()
@Index(['createdAt', 'id'])
export class ImportJob {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ImportJobStatus)
  @Column({ type: 'enum', enum: ImportJobStatus, enumName: 'import_job_status', default: ImportJobStatus.QUEUED })
  status: ImportJobStatus;

  @Field(() => ImportFormat)
  @Column({ type: 'enum', enum: ImportFormat, enumName: 'import_format' })
  format: ImportFormat;

  @Field({ description: 'True: every row is checked and counted, nothing but this record is written.' })
  @Column({ type: 'boolean', default: false })
  dryRun: boolean;

  @Field(() => DuplicatePolicy)
  @Column({ type: 'enum', enum: DuplicatePolicy, enumName: 'duplicate_policy', default: DuplicatePolicy.SKIP })
  onDuplicate: DuplicatePolicy;

  @Field(() => ID, { nullable: true, description: 'Who started it; null for the server’s own command line.' })
  @Column({ type: 'uuid', nullable: true })
  userId: string | null;

  /** The whole body is stored (import_chunk) before the job is queued. */
  @Column({ type: 'boolean', default: false })
  stored: boolean;

  @Field(() => Int, { description: 'Rows in the file (non-blank lines; CSV records), known once it is stored.' })
  @Column({ type: 'int', default: 0 })
  rowsTotal: number;

  @Field(() => Int, { description: 'Rows checked so far (imported, skipped or rejected).' })
  @Column({ type: 'int', default: 0 })
  rowsDone: number;

  @Field(() => Int, { description: 'Rows rejected: see `errors`.' })
  @Column({ type: 'int', default: 0 })
  rowsRejected: number;

  @Field(() => Int, { description: 'Leads created (or, in a dry run, that would be).' })
  @Column({ type: 'int', default: 0 })
  leadsCreated: number;

  @Field(() => Int, { description: 'Existing leads whose fields a lead record changed (onDuplicate UPDATE).' })
  @Column({ type: 'int', default: 0 })
  leadsUpdated: number;

  @Field(() => Int, { description: 'Lead records naming an existing lead, left alone (onDuplicate SKIP).' })
  @Column({ type: 'int', default: 0 })
  leadsSkipped: number;

  @Field(() => Int)
  @Column({ type: 'int', default: 0 })
  transitionsAdded: number;

  @Field(() => Int)
  @Column({ type: 'int', default: 0 })
  activitiesAdded: number;

  @Field(() => Int)
  @Column({ type: 'int', default: 0 })
  feedbackAdded: number;

  @Field(() => Int, { description: 'Leads scored and qualified by the rules in force at the end of the import.' })
  @Column({ type: 'int', default: 0 })
  leadsScored: number;

  @Field(() => Int, {
    description: 'Of those, leads the qualification rules moved forward (a RULE move stamped at the end).',
  })
  @Column({ type: 'int', default: 0 })
  leadsQualified: number;

  /** Chunks stored, and the next chunk to import: a restarted job resumes there. */
  @Column({ type: 'int', default: 0 })
  chunksTotal: number;

  @Column({ type: 'int', default: 0 })
  chunkCursor: number;

  /** The last lead id scored at the end: a restarted scoring pass resumes after it. */
  @Column({ type: 'uuid', nullable: true })
  scoreCursor: string | null;

  /** Milliseconds spent importing rows (summed over runs): rowsPerSecond divides by it. */
  @Column({ type: 'double precision', default: 0 })
  activeMs: number;

  @Field(() => Int)
  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Field()
  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When undoImport removed what it added.' })
  @Column({ type: 'timestamptz', nullable: true })
  undoneAt: Date | null;
}

/** A stored piece of an import's body: consecutive rows with their line numbers in the file. */
@Entity()
export class ImportChunk {
  @PrimaryColumn({ type: 'uuid' })
  importId: string;

  @PrimaryColumn({ type: 'int' })
  seq: number;

  @Column({ type: 'int', array: true })
  lines: number[];

  /** The rows' JSON texts, one per line (CSV records are stored as lead records). */
  @Column({ type: 'text' })
  body: string;
}

@ObjectType({ description: 'A row an import rejected: nothing of it was written.', simpleResolvers: true })
@Entity()
export class ImportError {
  @PrimaryColumn({ type: 'uuid' })
  importId: string;

  @Field(() => Int, { description: 'Line of the file (CSV: the line where the record starts; the header is line 1).' })
  @PrimaryColumn({ type: 'int' })
  line: number;

  @Field(() => String, {
    nullable: true,
    description: 'The record’s field at fault (`email`, `to`, `lead`, `attributes.x`); null for the whole line.',
  })
  @Column({ type: 'varchar', length: 200, nullable: true })
  field: string | null;

  @Field({ description: 'BAD_USER_INPUT, NOT_FOUND, CONFLICT or FORBIDDEN, as the API would answer the same write.' })
  @Column({ type: 'varchar', length: 50 })
  code: string;

  @Field()
  @Column({ type: 'text' })
  message: string;
}

/** The fields an import's UPDATE of an existing lead changed, as they were: undoImport restores them. */
@Entity()
export class ImportLeadUpdate {
  @PrimaryColumn({ type: 'uuid' })
  importId: string;

  @PrimaryColumn({ type: 'uuid' })
  leadId: string;

  @Column({ type: 'jsonb' })
  before: Record<string, unknown>;
}

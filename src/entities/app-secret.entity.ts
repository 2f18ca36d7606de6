import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A secret every server process shares because it lives in the one database, e.g. the key that
 * signs pagination cursors: processes behind a load balancer accept each other's cursors, and no
 * setting has to be distributed. Created by migration from PostgreSQL's random generator; never
 * exposed through GraphQL.
 */
@Entity()
export class AppSecret {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'text' })
  value: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}

import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A worker as last seen by the receiver. */
@Entity('workers')
export class WorkerEntity {
  @PrimaryColumn({ type: 'text' })
  worker_id: string;

  @Column({ type: 'text' })
  hostname: string;

  /** JSON capability object (SPEC §3). */
  @Column({ type: 'text' })
  capability: string;

  /** JSON arrays of the worker's own model policy from its last claim, or null. */
  @Column({ type: 'text', nullable: true })
  allow_jobs: string | null;

  @Column({ type: 'text', nullable: true })
  deny_jobs: string | null;

  @Column({ type: 'text' })
  first_seen: string;

  @Column({ type: 'text' })
  last_seen: string;
}

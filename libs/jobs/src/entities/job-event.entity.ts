import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { JobStatus } from '@cis490/contract';

/** One transition of a job; `id` orders a job's events oldest first. */
@Entity('job_events')
@Index('idx_job_events_job', ['job_id', 'id'])
export class JobEventEntity {
  @PrimaryGeneratedColumn({ type: 'integer' })
  id: number;

  @Column({ type: 'text' })
  job_id: string;

  @Column({ type: 'text' })
  at: string;

  /** Null for the job's creation. */
  @Column({ type: 'text', nullable: true })
  from_status: JobStatus | null;

  @Column({ type: 'text' })
  to_status: JobStatus;

  @Column({ type: 'text', nullable: true })
  worker_id: string | null;

  @Column({ type: 'text' })
  reason: string;
}

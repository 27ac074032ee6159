import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { JobStatus } from '@cis490/contract';

/**
 * A job row. The schema itself is owned by the migrations; this class
 * describes it for TypeORM. Booleans are integers 0/1 and JSON is text, so the
 * same raw SQL runs on SQLite and PostgreSQL; timestamps are ISO-8601 UTC text
 * (`Date.toISOString()`), which sorts and compares correctly as text.
 */
@Entity('jobs')
@Index('idx_jobs_status_heartbeat', ['status', 'heartbeat_at'])
@Index('idx_jobs_list', ['manifest_order', 'seq'])
@Index('idx_jobs_status_list', ['status', 'manifest_order', 'seq'])
@Index('idx_jobs_model_list', ['model', 'manifest_order', 'seq'])
@Index('idx_jobs_worker_list', ['worker_id', 'manifest_order', 'seq'])
export class JobEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  /** Insertion order: the last tie-breaker of every ordering. */
  @Column({ type: 'integer', unique: true })
  seq: number;

  /** Position in the manifest as of the last reload. */
  @Column({ type: 'integer' })
  manifest_order: number;

  @Column({ type: 'text' })
  model: string;

  @Column({ type: 'text' })
  mode: string;

  /** JSON object. */
  @Column({ type: 'text' })
  hyper: string;

  @Column({ type: 'text' })
  split_recipe: string;

  /** JSON array of hostnames. */
  @Column({ type: 'text' })
  train_hosts: string;

  @Column({ type: 'bigint' })
  seed: number;

  @Column({ type: 'integer' })
  require_cuda: number;

  @Column({ type: 'integer' })
  prefer_cuda: number;

  @Column({ type: 'double precision' })
  min_vram_gib: number;

  @Column({ type: 'double precision' })
  min_ram_gib: number;

  /** JSON array of hostnames; `[]` = any. */
  @Column({ type: 'text' })
  allowed_hosts: string;

  @Column({ type: 'integer' })
  priority: number;

  @Column({ type: 'integer' })
  max_attempts: number;

  @Column({ type: 'integer' })
  timeout_s: number;

  @Column({ type: 'text' })
  status: JobStatus;

  @Column({ type: 'integer' })
  attempts: number;

  @Column({ type: 'text', nullable: true })
  worker_id: string | null;

  @Column({ type: 'text', nullable: true })
  claimed_at: string | null;

  @Column({ type: 'text', nullable: true })
  heartbeat_at: string | null;

  @Column({ type: 'text', nullable: true })
  started_at: string | null;

  @Column({ type: 'text', nullable: true })
  finished_at: string | null;

  @Column({ type: 'text', nullable: true })
  artifact_sha256: string | null;

  /** JSON object or null. */
  @Column({ type: 'text', nullable: true })
  metrics: string | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'integer', nullable: true })
  exit_code: number | null;

  @Column({ type: 'text', nullable: true })
  log_tail: string | null;

  @Column({ type: 'integer' })
  in_manifest: number;

  @Column({ type: 'text' })
  created_at: string;

  @Column({ type: 'text' })
  updated_at: string;
}

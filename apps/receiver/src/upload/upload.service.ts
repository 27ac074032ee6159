import { Injectable, UnsupportedMediaTypeException } from '@nestjs/common';
import { Readable } from 'node:stream';
import { ArtifactStore } from '@cis490/artifacts';
import type { UploadResult } from '@cis490/contract';
import { QueueService } from '@cis490/jobs';
import { MetricsService } from '../metrics.service';
import type { UploadHeadersDto } from './upload.dto';

/**
 * `PUT /v1/model/{id}` (SPEC §3): check that the worker may upload for the
 * job, stream the bundle into the store, and count it.
 */
@Injectable()
export class UploadService {
  constructor(
    private readonly queue: QueueService,
    private readonly store: ArtifactStore,
    private readonly metrics: MetricsService,
  ) {}

  async receive(idOrPrefix: string, headers: UploadHeadersDto, body: unknown): Promise<UploadResult> {
    const workerId = headers['x-worker-id'];
    if (headers['content-length'] !== undefined) this.store.assertFits(headers['content-length']);
    // The content-type parser hands over the raw stream only for bundle types.
    if (!(body instanceof Readable)) {
      throw new UnsupportedMediaTypeException('the body must be bundle.tar.zst bytes (Content-Type: application/zstd)');
    }
    const job = await this.queue.assertUploader(idOrPrefix, workerId);
    const result = await this.store.receive({
      jobId: job.id,
      model: job.model,
      mode: job.mode,
      workerId,
      body,
      expectedSha256: headers['x-content-sha256'],
      // Checked again where the upload is recorded: its job may have completed while the bytes arrived.
      admit: (sql) => this.queue.assertUploaderIn(sql, job.id, workerId),
    });
    this.metrics.uploads.inc();
    this.metrics.uploadBytes.inc(result.size);
    return result;
  }
}

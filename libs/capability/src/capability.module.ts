import { Module } from '@nestjs/common';
import { CapabilityDetector } from './capability.detector';

/** Host probes (nvidia-smi, torch, git), each with a timeout, and the operator's overrides. */
@Module({ providers: [CapabilityDetector], exports: [CapabilityDetector] })
export class CapabilityModule {}

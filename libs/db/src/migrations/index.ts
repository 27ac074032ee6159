import { InitialSchema1764300000000 } from './1764300000000-initial-schema';
import { LiveView1764800000000 } from './1764800000000-live-view';
import { Scheduling1764900000000 } from './1764900000000-scheduling';
import { GpuSlots1764950000000 } from './1764950000000-gpu-slots';
import { ArtifactRecords1765000000000 } from './1765000000000-artifact-records';
import { SharedState1765100000000 } from './1765100000000-shared-state';
import { ReleaseCount1765200000000 } from './1765200000000-release-count';
import { SupersededArtifacts1765300000000 } from './1765300000000-superseded-artifacts';

/** Every migration, oldest first; listed as classes so bundling and tests need no globs. */
export const MIGRATIONS = [
  InitialSchema1764300000000,
  LiveView1764800000000,
  Scheduling1764900000000,
  GpuSlots1764950000000,
  ArtifactRecords1765000000000,
  SharedState1765100000000,
  ReleaseCount1765200000000,
  SupersededArtifacts1765300000000,
];

export * from './artifact.errors';
export { ArtifactStore, type ArtifactStoreOptions, type ReceiveInput } from './artifact-store';
export type { BundleKey } from './artifact-records.repository';
export { BundlePacker, type DroppedLink, type PackResult } from './bundle-packer';
export { BundleDigestError, unpackBundle } from './bundle-unpacker';
export { createCompressStream, createDecompressStream, isZstdMagic, ZSTD_MAGIC, type CompressOptions } from './zstd';
export { ArtifactsModule } from './artifacts.module';

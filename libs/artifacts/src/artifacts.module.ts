import { DynamicModule, Module } from '@nestjs/common';
import { ArtifactStore, type ArtifactStoreOptions } from './artifact-store';
import { BundlePacker } from './bundle-packer';

/**
 * Bundles on both sides: the worker packs them (`BundlePacker`), the receiver
 * stores them (`ArtifactStore`, opened and cleaned before the app serves).
 */
@Module({ providers: [BundlePacker], exports: [BundlePacker] })
export class ArtifactsModule {
  /**
   * Adds the store; `options` usually come from the app's validated
   * configuration, and its `db` from `DbModule` (inject `Db`): the store's
   * records live in the database every receiver shares.
   */
  static forStore(options: { inject?: any[]; useFactory: (...args: any[]) => ArtifactStoreOptions }): DynamicModule {
    return {
      module: ArtifactsModule,
      // The receiver's lifecycle checks the store (a completed job must have its bundle).
      global: true,
      providers: [
        {
          provide: ArtifactStore,
          inject: options.inject ?? [],
          useFactory: async (...args: unknown[]) => {
            const store = new ArtifactStore(options.useFactory(...args));
            await store.init();
            return store;
          },
        },
      ],
      exports: [ArtifactStore],
    };
  }
}

import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { MANIFEST_OPTIONS, ManifestOptions, ManifestService } from './manifest.service';

export interface ManifestModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: any[];
  useFactory: (...args: any[]) => ManifestOptions | Promise<ManifestOptions>;
}

/** The manifest in force, for every module of the receiver (global). */
@Module({})
export class ManifestModule {
  static forRootAsync(options: ManifestModuleAsyncOptions): DynamicModule {
    return {
      module: ManifestModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        { provide: MANIFEST_OPTIONS, inject: options.inject ?? [], useFactory: options.useFactory },
        ManifestService,
      ],
      exports: [ManifestService],
    };
  }
}

import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsBoolean, IsInt, IsNumber, IsOptional, IsString, MaxLength, Min, MinLength, ValidateNested,
} from 'class-validator';
import { type Capability, type FreeGpu, type Gpu, MAX_GPUS } from '@cis490/contract';

export class GpuDto implements Gpu {
  @ApiProperty({ example: 'NVIDIA GeForce RTX 3090' })
  @IsString() @MaxLength(256)
  name: string;

  @ApiProperty({ example: 24 })
  @IsNumber() @Min(0)
  vram_gib: number;
}

/** A GPU offered with a claim: free of this worker's running jobs and of other work (SPEC §10). */
export class FreeGpuDto extends GpuDto implements FreeGpu {
  @ApiProperty({ example: 0, description: "the GPU's place in nvidia-smi's order (what CUDA_VISIBLE_DEVICES takes)" })
  @IsInt() @Min(0)
  index: number;
}

/** What a worker host can do, as detected (SPEC §3 `capability`). */
export class CapabilityDto implements Capability {
  @ApiProperty({ example: 'lab1' })
  @IsString() @MinLength(1) @MaxLength(253)
  hostname: string;

  @ApiProperty({ example: 8 })
  @IsInt() @Min(0)
  cores: number;

  @ApiProperty({ example: 31.3 })
  @IsNumber() @Min(0)
  ram_gib: number;

  @ApiProperty()
  @IsBoolean()
  cuda: boolean;

  @ApiProperty({ example: 24, description: "the largest single GPU's memory" })
  @IsNumber() @Min(0)
  vram_gib: number;

  @ApiProperty({ type: [GpuDto], maxItems: MAX_GPUS })
  @IsArray() @ArrayMaxSize(MAX_GPUS) @ValidateNested({ each: true }) @Type(() => GpuDto)
  gpus: GpuDto[];

  @ApiProperty({ type: String, nullable: true, example: '2.4.1' })
  @IsOptional() @IsString() @MaxLength(128)
  torch_version: string | null;

  @ApiProperty({ type: String, nullable: true })
  @IsOptional() @IsString() @MaxLength(128)
  git_commit: string | null;

  @ApiProperty({ example: 'linux' })
  @IsString() @MaxLength(64)
  platform: string;

  @ApiProperty({ example: 'x64' })
  @IsString() @MaxLength(64)
  arch: string;
}

import { Module } from '@nestjs/common';
import { DashboardAssets } from './dashboard-assets';
import { DashboardController } from './dashboard.controller';

/** Serves the web app built from apps/dashboard at /dashboard. */
@Module({ controllers: [DashboardController], providers: [DashboardAssets] })
export class DashboardModule {}
